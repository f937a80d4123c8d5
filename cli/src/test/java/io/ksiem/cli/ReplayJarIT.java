package io.ksiem.cli;

import io.ksiem.scenario.Scenario;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** The packaged jar, as {@code ./ksiem} runs it, in a separate JVM on every scenario. */
class ReplayJarIT {
  @TempDir
  Path dir;

  static Stream<String> scenarios() {
    return Scenario.names().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void packagedCommandReproducesEveryScenario(String name) throws Exception {
    Scenario s = Scenario.load(name);
    s.writeInputs(dir);
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", System.getProperty("ksiem.jar")));
    cmd.addAll(ReplayRunner.args(s, dir));
    Path stderr = dir.resolve("stderr.txt");
    Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ksiem replay did not finish");
    String err = Files.readString(stderr, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), err);
    List<String> diff = ReplayRunner.compare(s, dir, err);
    assertTrue(diff.isEmpty(), name + ":\n" + String.join("\n", diff));
  }
}
