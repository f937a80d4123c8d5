package io.ksiem.runtime;

import org.slf4j.MDC;

/**
 * The Kafka Streams task a log line speaks for, in the log's context: {@code ksiem.task} in ECS JSON lines,
 * {@code [{ksiem.task=1_3}]} in plain ones (docs/settings.md, Logs). Set around a log call only, not per record:
 * the lines are few and records many.
 */
public final class LogContext {
  public static final String TASK = "ksiem.task";

  private LogContext() {
  }

  /** {@code try (var c = LogContext.task(id)) { LOG.warn(...); }} */
  public static MDC.MDCCloseable task(Object taskId) {
    return MDC.putCloseable(TASK, String.valueOf(taskId));
  }
}
