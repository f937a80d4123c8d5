package io.ksiem.cli;

import io.ksiem.correlate.CorrelateApp;
import io.ksiem.elasticsearch.AlarmsApp;
import io.ksiem.ingest.IngestApp;
import io.ksiem.runtime.AppMetrics;
import io.ksiem.runtime.OpsEndpoint;
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

  /**
   * {@code app} with the operator's port (OpsEndpoint: probes and {@code /metrics}) on {@code http.port} unless
   * -1; the port and the metrics are closed after the app.
   */
  static AutoCloseable withOps(AppConfig c, AutoCloseable app, OpsEndpoint.Probes probes, AppMetrics metrics)
      throws Exception {
    int port = c.integer(AppConfig.Key.HTTP_PORT);
    if (port < 0) {
      return () -> {
        try (metrics) {
          app.close();
        }
      };
    }
    OpsEndpoint ops;
    try {
      ops = new OpsEndpoint(c.get(AppConfig.Key.HTTP_HOST), port, probes, metrics);
    } catch (java.io.IOException e) {
      app.close();
      metrics.close();
      throw new IllegalArgumentException("http.port " + port + ": " + e.getMessage(), e);
    }
    return () -> {
      try (metrics; ops) {
        app.close();
      }
    };
  }

  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = "Runs the ingest app: raw topics and POST /events to normalized events, until stopped.")
  static final class Ingest extends Base {
    @Override
    AutoCloseable start(AppConfig c) throws Exception {
      AppMetrics metrics = new AppMetrics();
      IngestApp app = Apps.ingest(c, metrics.registry());
      // the probes and /metrics are on the intake's port
      app.bindTo(metrics);
      app.start();
      return () -> {
        try (metrics) {
          app.close();
        }
      };
    }
  }

  @Command(name = "correlate", mixinStandardHelpOptions = true,
      description = "Runs the correlate app: normalized events to alarms and alarm-event links, until stopped.")
  static final class Correlate extends Base {
    @Override
    AutoCloseable start(AppConfig c) throws Exception {
      AppMetrics metrics = new AppMetrics();
      CorrelateApp app = Apps.correlate(c);
      app.bindTo(metrics);
      app.start();
      return withOps(c, app, new OpsEndpoint.Probes(app::live, app::ready), metrics);
    }
  }

  @Command(name = "alarms", mixinStandardHelpOptions = true,
      description = "Runs the alarms app: alarms and links to Elasticsearch, until stopped.")
  static final class Alarms extends Base {
    @Override
    AutoCloseable start(AppConfig c) throws Exception {
      AppMetrics metrics = new AppMetrics();
      AlarmsApp app = Apps.alarms(c, metrics.registry());
      app.bindTo(metrics);
      app.start();
      // an Elasticsearch outage is not ill health (the sink waits and resumes), but it is not ready
      return withOps(c, app, new OpsEndpoint.Probes(app::isAlive, app::ready), metrics);
    }
  }
}
