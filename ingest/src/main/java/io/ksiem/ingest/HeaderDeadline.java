package io.ksiem.ingest;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The header timeout Jetty does not have: a connection must deliver a request's headers within {@code timeout} of
 * its opening (TLS handshake included) or of the end of its previous response, else it is closed. Jetty's idle
 * timeout alone lets a client that sends a byte now and then (slow loris) hold a connection, and a thread's worth of
 * parser state, for ever. Each connection is armed when it opens and re-armed when a response completes; a request
 * whose headers arrived disarms it. Connections Jetty answers on its own (400, 431) stay armed, so they close too.
 */
final class HeaderDeadline extends Handler.Wrapper {
  private final long timeoutMillis;
  private final Scheduler scheduler;
  private final Runnable onTimeout;
  /** Per open HTTP connection, its wait for headers. */
  private final Map<Connection, Wait> armed = new ConcurrentHashMap<>();

  /** A count that moves on whenever the wait is armed or disarmed (a scheduled check fires only if unmoved). */
  private static final class Wait {
    final AtomicLong count = new AtomicLong();
    volatile Scheduler.Task task;

    void disarm() {
      count.incrementAndGet();
      Scheduler.Task t = task;
      if (t != null) {
        // off the scheduler's queue: one pending check per connection, not one per request served
        t.cancel();
      }
    }
  }

  HeaderDeadline(Handler next, long timeoutMillis, Scheduler scheduler, Runnable onTimeout) {
    super(next);
    this.timeoutMillis = timeoutMillis;
    this.scheduler = scheduler;
    this.onTimeout = onTimeout;
  }

  /** What the connector tells of every connection it opens and closes. */
  Connection.Listener connections() {
    return new Connection.Listener() {
      @Override
      public void onOpened(Connection c) {
        if (c instanceof SslConnection) {
          // the HTTP connection inside it is watched, from the same moment
          return;
        }
        Wait wait = new Wait();
        armed.put(c, wait);
        arm(c, wait);
      }

      @Override
      public void onClosed(Connection c) {
        Wait wait = armed.remove(c);
        if (wait != null) {
          wait.disarm();
        }
      }
    };
  }

  private void arm(Connection c, Wait wait) {
    long n = wait.count.incrementAndGet();
    wait.task = scheduler.schedule(() -> {
      // still the same wait: no request's headers arrived since it was armed
      if (wait.count.get() == n && armed.containsKey(c)) {
        onTimeout.run();
        c.close();
      }
    }, timeoutMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Connection c = request.getConnectionMetaData().getConnection();
    Wait wait = armed.get(c);
    if (wait != null) {
      wait.disarm();
      Request.addCompletionListener(request, failure -> {
        if (armed.containsKey(c)) {
          arm(c, wait);
        }
      });
    }
    return super.handle(request, response, callback);
  }
}
