package io.ksiem.cli;

import io.ksiem.scenario.Scenario;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The replay command line for a scenario, and reading its outputs back. */
final class ReplayRunner {
  private ReplayRunner() {
  }

  static List<String> args(Scenario s, Path dir) {
    List<String> args = new ArrayList<>(List.of("replay",
        "--directives", dir.resolve("directives.json").toString(),
        "--assets", dir.resolve("assets.json").toString(),
        "--events", dir.resolve("events.jsonl").toString()));
    args.addAll(s.optionArgs());
    args.addAll(List.of("--alarms", dir.resolve("alarms.jsonl").toString(),
        "--alarm-events", dir.resolve("alarm_events.jsonl").toString(),
        "--rejects", dir.resolve("rejects.jsonl").toString()));
    return args;
  }

  /** Compares the output files with the scenario's expectation, D7 order included, and the load log for s19. */
  static List<String> compare(Scenario s, Path dir, String stderr) throws IOException {
    List<Integer> rejects = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("rejects.jsonl"), StandardCharsets.UTF_8)) {
      Matcher m = Pattern.compile("\"line\":(\\d+)").matcher(line);
      if (m.find()) {
        rejects.add(Integer.parseInt(m.group(1)));
      }
    }
    List<String> diff = new ArrayList<>(s.compare(Files.readAllLines(dir.resolve("alarms.jsonl")),
        Files.readAllLines(dir.resolve("alarm_events.jsonl")), rejects, true));
    List<Integer> expected = s.expectedLoadedIds();
    if (expected != null) {
      Matcher m = Pattern.compile("directives: ([0-9,]*)").matcher(stderr);
      List<Integer> loaded = new ArrayList<>();
      if (m.find()) {
        for (String id : m.group(1).split(",")) {
          if (!id.isEmpty()) {
            loaded.add(Integer.parseInt(id));
          }
        }
      }
      if (!loaded.stream().sorted().toList().equals(expected.stream().sorted().toList())) {
        diff.add("LOADED IDS differ: expected " + expected + ", got " + loaded);
      }
    }
    return diff;
  }
}
