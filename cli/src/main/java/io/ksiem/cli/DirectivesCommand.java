package io.ksiem.cli;

import io.ksiem.asset.AssetLoader;
import io.ksiem.config.LoadProblem;
import io.ksiem.correlate.ControlRecords;
import io.ksiem.correlate.DirectivePublisher;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ksiem directives push}: validated directives and assets onto their compacted topics, all of them or, with
 * {@code --allow-partial}, the valid ones.
 */
@Command(name = "directives", description = "Manage the directive set of a running pipeline.",
    subcommands = DirectivesCommand.Push.class)
public final class DirectivesCommand {

  @Command(name = "push", mixinStandardHelpOptions = true,
      description = {"Validates directive and asset files as the engine loads them and publishes them to the "
          + "directives and assets topics: every correlate instance picks the change up without a restart, and a "
          + "live backlog finishes under the directive version it started with. Directives no longer in the files "
          + "are removed.",
          "When any directive or asset is invalid, nothing is published and every problem is printed, unless "
          + "--allow-partial is given. Directives with \"disabled\": true are left out (and removed) either way.",
          "Exit codes: 0 published, 1 nothing usable or a file or topic unreadable, 2 usage, 3 refused: invalid "
          + "directives or assets, nothing published. --dry-run exits as the push would."})
  static final class Push implements Callable<Integer> {
    static final int PUBLISHED = 0;
    static final int NOTHING_USABLE = 1;
    static final int REFUSED = 3;

    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "directive files or directories")
    List<Path> directives;

    @Option(names = "--assets", paramLabel = "FILE|DIR", description = "asset files or directories")
    List<Path> assets = List.of();

    @Option(names = "--bootstrap-servers", defaultValue = "${env:KSIEM_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
        description = "Kafka (default: ${DEFAULT-VALUE})")
    String bootstrap;

    @picocli.CommandLine.Mixin
    ConfigOption config;

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

    @Option(names = "--allow-partial", description = "when some directives or assets are invalid, publish the "
        + "valid ones anyway; the invalid ones are reported, left out, and removed from the topics if an earlier "
        + "push published them")
    boolean allowPartial;

    @Option(names = "--dry-run", description = "check the files and list what the push would publish, change and "
        + "remove, compared with the topics as they are; publish nothing")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    /** What a push does with a checked set. */
    enum Verdict { PUBLISH, PUBLISH_PARTIAL, REFUSE, NOTHING_USABLE }

    /**
     * A partial set is refused by default: each invalid directive left out is a detection switched off (on every
     * instance, when an earlier version of it was running and gets a tombstone), and a push that exits 0 lets that
     * go unnoticed.
     */
    static Verdict decide(int validDirectives, int invalid, boolean allowPartial) {
      if (invalid > 0 && !allowPartial) {
        return Verdict.REFUSE;
      }
      if (validDirectives == 0) {
        return Verdict.NOTHING_USABLE;
      }
      return invalid > 0 ? Verdict.PUBLISH_PARTIAL : Verdict.PUBLISH;
    }

    static int exitCode(Verdict v) {
      return switch (v) {
        case PUBLISH, PUBLISH_PARTIAL -> PUBLISHED;
        case REFUSE -> REFUSED;
        case NOTHING_USABLE -> NOTHING_USABLE;
      };
    }

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      AppConfig settings = config.loadOrReport();
      if (settings == null) {
        return 2;
      }
      // the servers are this command's own option; the client properties (security) come from the settings
      io.ksiem.runtime.KafkaClients kafka = new io.ksiem.runtime.KafkaClients(bootstrap, settings.kafkaProperties());
      Topics topics = new Topics(prefix, new SchemaRegistryClient("http://unused"));
      DirectiveLoader dl;
      AssetLoader al;
      try {
        dl = new DirectiveLoader().loadPaths(directives);
        al = new AssetLoader().loadPaths(assets);
      } catch (java.io.IOException e) {
        err.println("ksiem directives push: " + e.getMessage());
        return NOTHING_USABLE;
      }
      Map<String, String> currentDirectives;
      Map<String, String> currentAssets;
      String comparedWith;
      try {
        currentDirectives = DirectivePublisher.read(kafka, topics.directives);
        currentAssets = DirectivePublisher.read(kafka, topics.assets);
        comparedWith = "compared with " + topics.directives.name() + " and " + topics.assets.name() + " at "
            + bootstrap;
      } catch (KafkaException e) {
        if (!dryRun) {
          err.println("ksiem directives push: cannot read " + topics.directives.name() + " at " + bootstrap + ": "
              + e.getMessage());
          return NOTHING_USABLE;
        }
        // a dry run is also a check of the files alone, on a machine that does not reach Kafka
        currentDirectives = Map.of();
        currentAssets = Map.of();
        comparedWith = "the topics at " + bootstrap + " could not be read (" + e.getMessage()
            + "), so everything is listed as new";
      }
      DirectivePublisher.Plan plan = DirectivePublisher.plan(dl, al, currentDirectives, currentAssets, groupBy,
          groups);
      Verdict verdict = decide(plan.directives(), plan.invalid().size(), allowPartial);

      String invalidLabel = verdict == Verdict.REFUSE ? "invalid: " : "left out: ";
      for (LoadProblem p : plan.invalid()) {
        err.println(invalidLabel + p);
      }
      for (LoadProblem p : plan.disabled()) {
        err.println("disabled, left out: " + p);
      }
      for (LoadProblem p : plan.warnings()) {
        err.println("warning: " + p);
      }
      if (dryRun) {
        printDryRun(out, plan, verdict, comparedWith);
        out.flush();
        err.flush();
        return exitCode(verdict);
      }
      switch (verdict) {
        case REFUSE -> err.printf("ksiem directives push: refused, nothing published: %s invalid (listed above). "
            + "Fix them, or push with --allow-partial to publish the %d valid directives and %d assets (an invalid "
            + "one that an earlier push published is then removed). --dry-run lists the changes.%n",
            invalidCount(plan), plan.directives(), plan.assets());
        case NOTHING_USABLE -> err.println("ksiem directives push: no usable directive; nothing published");
        default -> {
          DirectivePublisher.publish(kafka, topics, plan, replication);
          out.printf("%d directives and %d assets valid; %d records written, %d removed%n", plan.directives(),
              plan.assets(), plan.writes(), plan.removals());
          if (verdict == Verdict.PUBLISH_PARTIAL) {
            out.printf("--allow-partial: %s left out as invalid (listed on stderr)%n", invalidCount(plan));
          }
        }
      }
      out.flush();
      err.flush();
      return exitCode(verdict);
    }

    private static void printDryRun(PrintWriter out, DirectivePublisher.Plan plan, Verdict verdict,
        String comparedWith) {
      out.println("dry run, nothing published; " + comparedWith + ":");
      if (verdict == Verdict.REFUSE) {
        out.printf("a push would be refused (%s invalid); with --allow-partial it would do this:%n",
            invalidCount(plan));
      }
      if (verdict != Verdict.NOTHING_USABLE) {
        print(out, "directive", plan.directiveChanges());
        print(out, "asset", plan.assetChanges());
      }
      long changedDirectives = plan.directiveChanges().stream()
          .filter(c -> c.kind() != DirectivePublisher.Kind.REMOVED).count();
      long changedAssets = plan.assetChanges().stream()
          .filter(c -> c.kind() != DirectivePublisher.Kind.REMOVED).count();
      switch (verdict) {
        case NOTHING_USABLE -> out.println("a push would publish nothing: no usable directive");
        default -> out.printf("%d directives and %d assets unchanged; a push would write %d records and remove %d"
            + "%s%n", plan.directives() - changedDirectives, plan.assets() - changedAssets, plan.writes(),
            plan.removals(), verdict == Verdict.PUBLISH ? "" : ", leaving out " + invalidCount(plan));
      }
    }

    private static void print(PrintWriter out, String what, List<DirectivePublisher.Change> changes) {
      for (DirectivePublisher.Change c : changes) {
        String kind = switch (c.kind()) {
          case NEW -> "new     ";
          case CHANGED -> "changed ";
          case REMOVED -> "removed ";
        };
        out.println("  " + kind + what + " " + c.key()
            + (c.label() == null || c.label().isEmpty() ? "" : " \"" + c.label() + "\""));
      }
    }

    private static String invalidCount(DirectivePublisher.Plan plan) {
      int d = plan.invalidDirectives().size();
      int a = plan.invalidAssets().size();
      String directives = d + (d == 1 ? " directive" : " directives");
      String assets = a + (a == 1 ? " asset" : " assets");
      return a == 0 ? directives : d == 0 ? assets : directives + " and " + assets;
    }
  }
}
