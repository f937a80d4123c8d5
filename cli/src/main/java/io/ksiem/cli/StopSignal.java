package io.ksiem.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or any JVM shutdown) as a signal a command waits for. The shutdown hook holds the JVM until the command
 * has closed what it runs, which happens before this is closed (try-with-resources closes in reverse order).
 */
public final class StopSignal implements AutoCloseable {
  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);
  private final Thread hook = new Thread(() -> {
    stop.countDown();
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }, "ksiem-stop");

  public StopSignal() {
    Runtime.getRuntime().addShutdownHook(hook);
  }

  public void await() throws InterruptedException {
    stop.await();
  }

  /** Whether the signal came within {@code millis}. */
  public boolean await(long millis) throws InterruptedException {
    return stop.await(millis, TimeUnit.MILLISECONDS);
  }

  public boolean stopped() {
    return stop.getCount() == 0;
  }

  @Override
  public void close() {
    done.countDown();
    if (!stopped()) {
      Runtime.getRuntime().removeShutdownHook(hook);
    }
  }
}
