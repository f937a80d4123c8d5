package io.ksiem.cli;

import io.ksiem.config.LoadProblem;
import io.ksiem.correlate.ControlRecords;
import io.ksiem.correlate.DirectivePublisher;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ksiem directives push}: validated directives and assets onto their compacted topics. */
@Command(name = "directives", description = "Manage the directive set of a running pipeline.",
    subcommands = DirectivesCommand.Push.class)
public final class DirectivesCommand {

  @Command(name = "push", mixinStandardHelpOptions = true,
      description = {"Validates directive and asset files as the engine loads them and publishes them to the "
          + "directives and assets topics: every correlate instance picks the change up without a restart, and a "
          + "live backlog finishes under the directive version it started with. Directives no longer in the files "
          + "are removed.", "Exit codes: 0 published, 1 nothing usable or a file unreadable, 2 usage."})
  static final class Push implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "directive files or directories")
    List<Path> directives;

    @Option(names = "--assets", paramLabel = "FILE|DIR", description = "asset files or directories")
    List<Path> assets = List.of();

    @Option(names = "--bootstrap-servers", defaultValue = "${env:KSIEM_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
        description = "Kafka (default: ${DEFAULT-VALUE})")
    String bootstrap;

    @Option(names = "--topic-prefix", defaultValue = "${env:KSIEM_TOPIC_PREFIX:-ksiem.}",
        description = "prefix of the pipeline's topics (default: ${DEFAULT-VALUE})")
    String prefix;

    @Option(names = "--group-by", defaultValue = "ID",
        description = "how directives are grouped: ID (id mod --groups) or FILE (dsiem's directives_<node>_*.json)")
    ControlRecords.GroupBy groupBy;

    @Option(names = "--groups", defaultValue = "64", description = "group count for --group-by ID")
    int groups;

    @Option(names = "--replication-factor", defaultValue = "${env:KSIEM_REPLICATION_FACTOR:-1}",
        description = "for the topics when they do not exist yet")
    short replication;

    @Override
    public Integer call() throws Exception {
      Topics topics = new Topics(prefix, new SchemaRegistryClient("http://unused"));
      DirectivePublisher.Result r;
      try {
        r = DirectivePublisher.push(bootstrap, topics, directives, assets, groupBy, groups, replication);
      } catch (java.io.IOException e) {
        System.err.println("ksiem directives push: " + e.getMessage());
        return 1;
      }
      for (LoadProblem p : r.problems()) {
        System.err.println("skipped: " + p);
      }
      for (LoadProblem p : r.warnings()) {
        System.err.println("warning: " + p);
      }
      if (r.directives() == 0) {
        System.err.println("ksiem directives push: no usable directive; nothing published");
        return 1;
      }
      System.out.printf("%d directives and %d assets valid; %d records written, %d removed%n", r.directives(),
          r.assets(), r.written(), r.removed());
      return 0;
    }
  }
}
