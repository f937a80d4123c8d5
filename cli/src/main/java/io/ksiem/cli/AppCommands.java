package io.ksiem.cli;

import io.ksiem.alarms.AlarmsApp;
import io.ksiem.alarms.AlarmsSink;
import io.ksiem.cli.AppConfig.Key;
import io.ksiem.correlate.CorrelateApp;
import io.ksiem.correlate.StreamsApps;
import io.ksiem.engine.EngineOptions;
import io.ksiem.ingest.IngestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ksiem ingest|correlate|alarms}: one app alone against existing Kafka, registry and Elasticsearch. */
final class AppCommands {
  private AppCommands() {
  }

  /** What the three commands share: the settings and running until stopped. */
  abstract static class Base implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE",
        description = "properties file; every key can also be set as KSIEM_<KEY> (docs/settings.md)")
    Path config;

    abstract AutoCloseable start(AppConfig c) throws Exception;

    @Override
    public Integer call() throws Exception {
      AppConfig c;
      try {
        c = new AppConfig(config, System.getenv());
      } catch (IllegalArgumentException | java.io.IOException e) {
        System.err.println("ksiem: " + e.getMessage());
        return 2;
      }
      CountDownLatch stop = new CountDownLatch(1);
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        stop.countDown();
        try {
          stopped.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }));
      try (AutoCloseable app = start(c)) {
        stop.await();
      } catch (IllegalArgumentException e) {
        System.err.println("ksiem: " + e.getMessage());
        return 2;
      } finally {
        stopped.countDown();
      }
      return 0;
    }
  }

  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = "Runs the ingest app: raw topics and POST /events to normalized events, until stopped.")
  static final class Ingest extends Base {
    @Override
    AutoCloseable start(AppConfig c) throws Exception {
      StreamsApps.Common common = c.common("ingest");
      IngestApp app = new IngestApp(new IngestApp.Settings(common, IngestApp.builtInSources(), c.get(Key.HTTP_HOST),
          c.integer(Key.HTTP_PORT), StreamsApps.applicationId(common.topicPrefix(), "ingest")),
          new SimpleMeterRegistry());
      app.start();
      return app;
    }
  }

  @Command(name = "correlate", mixinStandardHelpOptions = true,
      description = "Runs the correlate app: normalized events to alarms and alarm-event links, until stopped.")
  static final class Correlate extends Base {
    @Override
    AutoCloseable start(AppConfig c) throws Exception {
      StreamsApps.Common common = c.common("correlate");
      CorrelateApp app = new CorrelateApp(new CorrelateApp.Settings(common, c.integer(Key.ROUTED_PARTITIONS),
          c.integer(Key.STANDBY_REPLICAS), c.integer(Key.THREADS), Duration.ofSeconds(c.integer(Key.IDLE_SECONDS)),
          CorrelateApp.Settings.SILENCE, EngineOptions.defaults(),
          StreamsApps.applicationId(common.topicPrefix(), "correlate")));
      app.start();
      return app;
    }
  }

  @Command(name = "alarms", mixinStandardHelpOptions = true,
      description = "Runs the alarms app: alarms and links to Elasticsearch, until stopped.")
  static final class Alarms extends Base {
    @Override
    AutoCloseable start(AppConfig c) throws Exception {
      StreamsApps.Common common = c.common("alarms");
      AlarmsApp app = new AlarmsApp(common, new AlarmsSink.Settings(common.bootstrapServers(),
          StreamsApps.applicationId(common.topicPrefix(), "alarms"), c.get(Key.ELASTICSEARCH_URL),
          c.bool(Key.WRITE_EVENTS), c.integer(Key.BATCH_SIZE)), new SimpleMeterRegistry());
      app.start();
      return app;
    }
  }
}
