package io.ksiem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The log settings, on the real log4j2.xml: each run logs in a JVM of its own, since Log4j reads them as it starts. */
class LogSettingsTest {
  record Run(int exit, List<String> lines) {
  }

  static Run run(String main, Map<String, String> env, String... args) throws Exception {
    return run(System.getProperty("java.class.path"), main, env, args);
  }

  static Run run(String classPath, String main, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classPath, main));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("KSIEM_LOG") || k.equals("KSIEM_KAFKA_LOG_LEVEL"));
    pb.environment().putAll(env);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Run(p.exitValue(), err.lines().filter(l -> !l.isBlank()).toList());
  }

  @Test
  void jsonLinesHaveEcsFieldsTheServiceAndTheTask() throws Exception {
    Run r = run(LogLines.class.getName(), Map.of("KSIEM_LOG_FORMAT", "json"));
    assertEquals(0, r.exit());
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String l : r.lines()) {
      lines.add(json.readTree(l));
    }
    assertEquals(List.of("an event arrived late", "ksiem info", "a library warning", "with an exception"),
        lines.stream().map(n -> n.path("message").asText()).toList(), "ksiem at INFO, libraries at WARN: " + r);
    JsonNode late = lines.get(0);
    assertTrue(late.path("@timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), late
        .toString());
    assertEquals("WARN", late.path("log.level").asText());
    assertEquals("io.ksiem.correlate.CorrelateProcessor", late.path("log.logger").asText());
    assertEquals("main", late.path("process.thread.name").asText());
    assertEquals("ksiem-correlate", late.path("service.name").asText());
    assertEquals("1_2", late.path("ksiem.task").asText(), "the task in the line's context");
    assertTrue(lines.get(1).path("ksiem.task").isMissingNode(), "set around one call only: " + lines.get(1));
    JsonNode error = lines.get(3);
    assertEquals("java.lang.IllegalStateException", error.path("error.type").asText());
    assertEquals("boom", error.path("error.message").asText());
    assertTrue(error.path("error.stack_trace").asText().contains("LogLines.main"), error.toString());
  }

  @Test
  void plainLinesByDefaultWithDateThreadAndTask() throws Exception {
    Run r = run(LogLines.class.getName(), Map.of());
    assertEquals(0, r.exit());
    String first = r.lines().get(0);
    assertTrue(first.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}([+-]\\d\\d:\\d\\d|Z) WARN  \\[main] "
        + "i\\.k\\.c\\.CorrelateProcessor \\[\\{ksiem\\.task=1_2}] - an event arrived late"), first);
    assertTrue(r.lines().get(1).endsWith("[main] i.k.c.LogLines - ksiem info"), r.lines().get(1));
  }

  @Test
  void theLevelsAreSettings() throws Exception {
    Run r = run(LogLines.class.getName(), Map.of("KSIEM_LOG_LEVEL", "debug", "KSIEM_KAFKA_LOG_LEVEL", "ERROR"));
    assertEquals(0, r.exit());
    String all = String.join("\n", r.lines());
    assertTrue(all.contains("ksiem debug"), all);
    assertTrue(!all.contains("a library warning"), all);
  }

  @Test
  void aValueLog4jWouldNotTakeIsRefusedBeforeAnythingRuns() throws Exception {
    assertNull(LogSettings.refusal(Map.of("KSIEM_LOG_FORMAT", "json", "KSIEM_LOG_LEVEL", "warn")));
    assertEquals("KSIEM_LOG_FORMAT=JSON is not one of plain, json",
        LogSettings.refusal(Map.of("KSIEM_LOG_FORMAT", "JSON")));
    assertTrue(LogSettings.refusal(Map.of("KSIEM_KAFKA_LOG_LEVEL", "LOUD")).startsWith("KSIEM_KAFKA_LOG_LEVEL=LOUD"));
    Run r = run(Ksiem.class.getName(), Map.of("KSIEM_LOG_FORMAT", "xml"), "--version");
    assertEquals(2, r.exit(), r.toString());
    assertEquals(List.of("ksiem: KSIEM_LOG_FORMAT=xml is not one of plain, json (docs/settings.md, Logs)"), r.lines());
  }

  /** docs/settings.md lists the log settings as the code has them. */
  @Test
  void theLogSettingsAreInTheSettingsReference() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "settings.md"));
    assertTrue(doc.contains(LogSettings.reference()), "docs/settings.md is stale; its Logs table must be:\n"
        + LogSettings.reference());
  }
}
