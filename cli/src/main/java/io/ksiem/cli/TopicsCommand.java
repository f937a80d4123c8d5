package io.ksiem.cli;

import io.ksiem.runtime.StreamsApps;
import io.ksiem.schemas.topic.Topic;
import io.ksiem.schemas.topic.Topics;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ksiem topics create}: what a deployment's one-shot setup job runs before the apps start. */
@Command(name = "topics", mixinStandardHelpOptions = true, description = "The pipeline's topics.",
    subcommands = TopicsCommand.Create.class)
final class TopicsCommand {
  @Command(name = "create", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Creates every topic of the pipeline that does not exist yet (events, raw topics of the "
          + "built-in and configured sources, directives, assets, alarms, alarm-events, dead-letter, status), with "
          + "the partitions and replication factor of the settings, and registers the schemas (BACKWARD). The apps "
          + "do the same at start; a setup job does it once, before several instances race to.",
          "Exit codes: 0 done, 1 Kafka or the registry refused, 2 usage."})
  static final class Create implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      AppConfig c = config.loadOrReport();
      if (c == null) {
        return 2;
      }
      Topics topics;
      List<io.ksiem.ingest.Normalizer> sources;
      try {
        topics = c.topics();
        sources = c.sources();
      } catch (IllegalArgumentException | java.io.IOException e) {
        spec.commandLine().getErr().println(spec.qualifiedName() + ": " + e.getMessage());
        return 2;
      }
      List<Topic<?, ?>> wanted = new ArrayList<>(topics.all());
      for (var source : sources) {
        wanted.add(topics.raw(source.source()));
      }
      StreamsApps.Common common = c.common();
      try {
        StreamsApps.createTopics(common, wanted);
        topics.registerSchemas();
      } catch (Exception e) {
        spec.commandLine().getErr().println("ksiem topics create: " + e.getMessage());
        return 1;
      }
      out.println("topics ready (" + common.partitions() + " partitions, replication " + common.replication()
          + "): " + Topics.names(wanted));
      return 0;
    }
  }
}
