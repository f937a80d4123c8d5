package io.ksiem.cli;

import io.ksiem.correlate.CorrelateApp;
import io.ksiem.elasticsearch.AlarmsApp;
import io.ksiem.ingest.IngestApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code ksiem ingest|correlate|alarms}: one app alone against existing Kafka, registry and Elasticsearch. */
final class AppCommands {
  private AppCommands() {
  }

  /** What the three commands share: the settings and running until stopped. */
  abstract static class Base implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    abstract AutoCloseable start(AppConfig c) throws Exception;

    @Override
    public Integer call() throws Exception {
      AppConfig c = config.loadOrReport();
      if (c == null) {
        return 2;
      }
      try (StopSignal stop = new StopSignal(); AutoCloseable app = start(c)) {
        stop.await();
      } catch (IllegalArgumentException | io.ksiem.ingest.Mapping.InvalidMappingException e) {
        System.err.println("ksiem: " + e.getMessage());
        return 2;
      }
      return 0;
    }
  }

  /** {@code app} with {@code GET /health} on {@code http.port} (unless -1), closed after the app. */
  static AutoCloseable withHealth(AppConfig c, AutoCloseable app, java.util.function.BooleanSupplier up)
      throws Exception {
    int port = c.integer(AppConfig.Key.HTTP_PORT);
    if (port < 0) {
      return app;
    }
    io.ksiem.runtime.HealthEndpoint health;
    try {
      health = new io.ksiem.runtime.HealthEndpoint(c.get(AppConfig.Key.HTTP_HOST), port, up);
    } catch (java.io.IOException e) {
      app.close();
      throw new IllegalArgumentException("http.port " + port + ": " + e.getMessage(), e);
    }
    return () -> {
      try (health) {
        app.close();
      }
    };
  }

  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = "Runs the ingest app: raw topics and POST /events to normalized events, until stopped.")
  static final class Ingest extends Base {
    @Override
    AutoCloseable start(AppConfig c) throws Exception {
      IngestApp app = Apps.ingest(c, new SimpleMeterRegistry());
      app.start();
      return app;
    }
  }

  @Command(name = "correlate", mixinStandardHelpOptions = true,
      description = "Runs the correlate app: normalized events to alarms and alarm-event links, until stopped.")
  static final class Correlate extends Base {
    @Override
    AutoCloseable start(AppConfig c) throws Exception {
      CorrelateApp app = Apps.correlate(c);
      app.start();
      return withHealth(c, app, () -> app.streams().state().isRunningOrRebalancing());
    }
  }

  @Command(name = "alarms", mixinStandardHelpOptions = true,
      description = "Runs the alarms app: alarms and links to Elasticsearch, until stopped.")
  static final class Alarms extends Base {
    @Override
    AutoCloseable start(AppConfig c) throws Exception {
      AlarmsApp app = Apps.alarms(c, new SimpleMeterRegistry());
      app.start();
      // an Elasticsearch outage is not ill health: the sink waits and resumes
      return withHealth(c, app, app::isAlive);
    }
  }
}
