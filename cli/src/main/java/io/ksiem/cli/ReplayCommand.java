package io.ksiem.cli;

import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.config.LoadProblem;
import io.ksiem.replay.Replay;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ksiem replay}: directives, assets and an events file in; alarms and alarm-event links out. */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Replays normalized events (one JSON object per line) through the correlation engine, offline and",
        "deterministically, and writes dsiem's siem_alarms / siem_alarm_events JSON lines.",
        "Exit status: 0 done; 1 no valid directive or a file cannot be read; 2 usage error."})
public final class ReplayCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--directives", required = true, arity = "1..*", paramLabel = "FILE|DIR",
      description = "directive files, or directories of directives_*.json")
  List<Path> directives;

  @Option(names = "--assets", required = true, arity = "1..*", paramLabel = "FILE|DIR",
      description = "asset files, or directories of assets_*.json")
  List<Path> assets;

  @Option(names = "--events", required = true, paramLabel = "EVENTS.jsonl", description = "normalized events")
  Path events;

  @Option(names = "--until", paramLabel = "RFC3339", description = "advance the clock to this time at the end")
  String until;

  @Option(names = "--med-risk-min", defaultValue = "3", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
  int medRiskMin;

  @Option(names = "--med-risk-max", defaultValue = "6", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
  int medRiskMax;

  @Option(names = "--status", split = ",", paramLabel = "A,B,C",
      description = "alarm statuses; new alarms get the first (default: Open,In-Progress,Closed)")
  List<String> status = CorrelationOptions.DEFAULT_STATUS;

  @Option(names = "--tags", split = ",", paramLabel = "A,B",
      description = "alarm tags; new alarms get the first (default: Identified Threat,...)")
  List<String> tags = CorrelationOptions.DEFAULT_TAGS;

  @Option(names = "--min-alarm-lifetime", defaultValue = "0", paramLabel = "MINUTES",
      description = "grace added to every stage window (default: ${DEFAULT-VALUE})")
  int minAlarmLifetime;

  @Option(names = "--max-backlogs-per-directive", defaultValue = "10000", paramLabel = "N",
      description = "live backlogs per directive, as correlate's setting (default: ${DEFAULT-VALUE}; docs/limits.md)")
  int maxBacklogs;

  @Option(names = "--max-addresses-per-list", defaultValue = "1000", paramLabel = "N",
      description = "addresses a backlog keeps per list (default: ${DEFAULT-VALUE})")
  int maxAddresses;

  @Option(names = "--max-custom-data-per-backlog", defaultValue = "20", paramLabel = "N",
      description = "custom data pairs a backlog keeps (default: ${DEFAULT-VALUE})")
  int maxCustomData;

  @Option(names = "--alarms", required = true, paramLabel = "OUT.jsonl", description = "alarm snapshots")
  Path alarms;

  @Option(names = "--alarm-events", required = true, paramLabel = "OUT.jsonl", description = "alarm-event links")
  Path alarmEvents;

  @Option(names = "--rejects", paramLabel = "OUT.jsonl", description = "rejected input lines with the reason")
  Path rejects;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    CorrelationOptions options;
    try {
      options = new CorrelationOptions(medRiskMin, medRiskMax, status.get(0), tags.get(0), minAlarmLifetime)
          .withCaps(maxBacklogs, maxAddresses, maxCustomData);
    } catch (IllegalArgumentException e) {
      err.println("ksiem replay: " + e.getMessage());
      return 2;
    }
    try {
      Replay.Request request = new Replay.Request(directives, assets, events, until, options, alarms, alarmEvents,
          rejects);
      Replay.Loaded loaded = Replay.load(request);
      for (LoadProblem p : loaded.directives().problems()) {
        err.println("skipped " + p);
      }
      for (LoadProblem p : loaded.directives().warnings()) {
        err.println("warning " + p);
      }
      for (LoadProblem p : loaded.assets().problems()) {
        err.println("skipped " + p);
      }
      List<Integer> ids = loaded.directiveIds();
      int total = ids.size() + loaded.directives().problems().size();
      err.println("loaded " + ids.size() + "/" + total + " directives: "
          + ids.stream().map(String::valueOf).collect(Collectors.joining(",")));
      err.flush();
      Replay.Result r = Replay.run(request, loaded);
      err.println("replayed " + r.lines() + " lines: " + r.rejected() + " rejected, " + r.alarms()
          + " alarm snapshots, " + r.alarmEvents() + " alarm events, " + r.liveBacklogs()
          + " backlogs still live");
      err.flush();
      return 0;
    } catch (Replay.NothingToRun e) {
      err.println("ksiem replay: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("ksiem replay: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("ksiem replay: " + e.getMessage());
      return 1;
    }
  }
}
