package io.ksiem.dev;

import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;

/**
 * The log file of {@code ksiem up}: every line goes there, in the format KSIEM_LOG_FORMAT picks. The screen (or the
 * plain output) keeps the live view and ksiem's own warnings and errors: the embedded broker's and the clients'
 * routine warnings (rebalances, standby assignment on one instance) are not the operator's business there. This
 * changes the configuration Log4j read from log4j2.xml, through Log4j's API for that, at run time: where the file
 * goes is known only once {@code --dir} is.
 */
final class UpLogFile {
  static final String FILE = "ksiem-up.log";
  private static final String APPENDER = "ksiem-up-file";
  private static final String CONSOLE = "stderr";

  private UpLogFile() {
  }

  private static Path current;

  /**
   * Sends the logs to {@code dir/ksiem-up.log} (appended to); returns its path. A second run in the same JVM (the
   * tests) keeps the first file.
   */
  static synchronized Path start(Path dir) {
    if (current != null) {
      return current;
    }
    Path path = dir.resolve(FILE).toAbsolutePath();
    current = path;
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Configuration config = ctx.getConfiguration();
    Appender console = config.getAppender(CONSOLE);
    FileAppender file = FileAppender.newBuilder().setName(APPENDER).withFileName(path.toString()).withAppend(true)
        .setLayout(console != null ? console.getLayout() : null).setConfiguration(config).build();
    file.start();
    config.addAppender(file);
    LoggerConfig root = config.getRootLogger();
    root.removeAppender(CONSOLE);
    root.addAppender(file, null, null);
    LoggerConfig ksiem = config.getLoggerConfig("io.ksiem");
    if (!ksiem.getName().equals("io.ksiem")) {
      ksiem = new LoggerConfig("io.ksiem", null, false);
      config.addLogger("io.ksiem", ksiem);
    }
    ksiem.setAdditive(false);
    ksiem.addAppender(file, null, null);
    if (console != null) {
      ksiem.addAppender(console, Level.WARN, null);
    }
    ctx.updateLoggers();
    return path;
  }
}
