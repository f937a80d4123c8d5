package io.ksiem.ingest;

import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.NetworkTrafficListener;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The header timeout Jetty does not have: a request's headers must arrive within {@code timeout} of the connection's
 * opening (TLS handshake included), or, on a kept-alive connection, of the first bytes that came after the previous
 * response; else the connection is closed. Jetty's idle timeout alone lets a client that sends a byte now and then
 * (slow loris) hold a connection, and a thread's worth of parser state, for ever.
 *
 * <p>The wait starts on the next request's first bytes, not at the end of the previous response: a client reuses an
 * idle kept-alive connection at any time within the idle timeout, and a connection closed under it while its POST is
 * on the way gets no status at all (the client cannot tell whether the event was taken). An idle connection that
 * sends nothing is the idle timeout's to close. Connections Jetty answers on its own (400, 431) stay armed, so they
 * close too. Connections are told apart by the client's address, which the socket and the request both know.
 */
final class HeaderDeadline extends Handler.Wrapper {
  private final long timeoutMillis;
  private final Scheduler scheduler;
  private final Runnable onTimeout;
  /** Per open HTTP connection, by the client's address: its wait for headers. */
  private final Map<SocketAddress, Wait> waits = new ConcurrentHashMap<>();

  /** A count that moves on whenever the wait is armed or disarmed (a scheduled check fires only if unmoved). */
  private static final class Wait {
    final Connection connection;
    final AtomicLong count = new AtomicLong();
    volatile Scheduler.Task task;
    /** A response is complete and no byte of the next request has come yet. */
    volatile boolean betweenRequests;
    volatile boolean closed;

    Wait(Connection connection) {
      this.connection = connection;
    }

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
        Wait wait = new Wait(c);
        waits.put(c.getEndPoint().getRemoteSocketAddress(), wait);
        arm(wait);
      }

      @Override
      public void onClosed(Connection c) {
        if (c instanceof SslConnection) {
          return;
        }
        SocketAddress client = c.getEndPoint().getRemoteSocketAddress();
        Wait wait = waits.get(client);
        if (wait != null && wait.connection == c) {
          waits.remove(client, wait);
          wait.closed = true;
          wait.disarm();
        }
      }
    };
  }

  /** What a {@code NetworkTrafficServerConnector} tells of the bytes it reads: the next request has begun. */
  NetworkTrafficListener traffic() {
    return new NetworkTrafficListener() {
      @Override
      public void incoming(Socket socket, ByteBuffer bytes) {
        Wait wait = waits.get(socket.getRemoteSocketAddress());
        if (wait != null && wait.betweenRequests) {
          wait.betweenRequests = false;
          arm(wait);
        }
      }
    };
  }

  private void arm(Wait wait) {
    long n = wait.count.incrementAndGet();
    wait.task = scheduler.schedule(() -> {
      // still the same wait: no request's headers arrived since it was armed
      if (wait.count.get() == n && !wait.closed) {
        onTimeout.run();
        // the socket, not the connection: closing Jetty's connection mid-headers makes it answer 500, which is not
        // what went wrong (the client was too slow) and is no answer to give a request never read
        wait.connection.getEndPoint().close();
      }
    }, timeoutMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    SocketAddress client = request.getConnectionMetaData().getRemoteSocketAddress();
    Wait wait = waits.get(client);
    if (wait != null) {
      wait.betweenRequests = false;
      wait.disarm();
      Request.addCompletionListener(request, failure -> wait.betweenRequests = true);
    }
    return super.handle(request, response, callback);
  }
}
