package io.ksiem.cli;

import io.ksiem.runtime.LogContext;
import org.slf4j.LoggerFactory;

/** Logs as the apps do, for {@link LogSettingsTest}, which runs it in a JVM of its own with the log settings set. */
public final class LogLines {
  private LogLines() {
  }

  public static void main(String[] args) {
    LogSettings.prepare(new String[] {"correlate"});
    try (var c = LogContext.task("1_2")) {
      LoggerFactory.getLogger("io.ksiem.correlate.CorrelateProcessor").warn("an event arrived late");
    }
    LoggerFactory.getLogger("io.ksiem.cli.LogLines").info("ksiem info");
    LoggerFactory.getLogger("io.ksiem.cli.LogLines").debug("ksiem debug");
    LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").warn("a library warning");
    LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").info("a library info");
    LoggerFactory.getLogger("io.ksiem.cli.LogLines").error("with an exception", new IllegalStateException("boom"));
  }
}
