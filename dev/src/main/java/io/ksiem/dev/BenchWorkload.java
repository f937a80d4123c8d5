package io.ksiem.dev;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The shared benchmark workload, as options of every bench command: its size and where it lives. */
final class BenchWorkload {
  @Option(names = "--n", defaultValue = "1000", description = "directives: 100 or 1000 (default: ${DEFAULT-VALUE})")
  int directives;

  @Option(names = "--m", defaultValue = "200000", description = "events (default: ${DEFAULT-VALUE})")
  int events;

  @Option(names = "--workload", paramLabel = "DIR",
      description = "where the workload is (generated there when missing; default: .ksiem/bench)")
  Path workload = Path.of(".ksiem", "bench");

  Path dir() {
    return workload.toAbsolutePath();
  }

  Path directivesFile() {
    return dir().resolve("directives_bench_" + directives + ".json");
  }

  Path assetsFile() {
    return dir().resolve("assets_bench.json");
  }

  Path eventsFile() {
    return dir().resolve("events_" + events + "_n" + directives + ".jsonl");
  }

  /** Generates the workload with the bundled gen.py (Python 3, standard library only) when a file is missing. */
  void ensure(PrintWriter out) throws IOException, InterruptedException {
    if (Files.exists(eventsFile()) && Files.exists(directivesFile()) && Files.exists(assetsFile())) {
      return;
    }
    Path dir = dir();
    Files.createDirectories(dir);
    Path gen = dir.resolve("gen.py");
    try (InputStream in = BenchWorkload.class.getResourceAsStream("/bench/gen.py")) {
      Files.copy(in, gen, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    out.printf("generating the workload into %s with gen.py (n=%d, m=%d)%n", dir, directives, events);
    out.flush();
    Process p = new ProcessBuilder("python3", gen.toString(), "--out", dir.toString(), "--n",
        String.valueOf(directives), "--m", String.valueOf(events)).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("gen.py failed with exit status " + p.exitValue() + " (python3 is needed)");
    }
  }
}
