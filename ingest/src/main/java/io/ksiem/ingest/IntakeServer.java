package io.ksiem.ingest;

import io.ksiem.schemas.tls.PemTrust;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.pathmap.PathSpec;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.NetworkTrafficServerConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.PathMappingsHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The Jetty server under the intake: one connector, HTTPS when {@link IntakeSettings#tls} is set (client
 * certificates required when it names a client CA), the header timeout ({@link HeaderDeadline}), Jetty's idle
 * timeout for stalled bodies (the body's overall deadline is {@link HttpIntake}'s: Jetty 12.1 keeps
 * {@code HttpConfiguration.setMinRequestDataRate} but no longer enforces it), and at most {@code maxConnections} connections: over that Jetty stops accepting, so
 * further clients wait in the accept queue rather than being reset. Headers over 8 KiB get Jetty's 431.
 */
final class IntakeServer implements AutoCloseable {
  /** Connections the kernel holds for Jetty while it is at its connection cap. */
  private static final int ACCEPT_QUEUE = 1024;
  static final int MAX_HEADER_BYTES = 8192;

  private final Server server;
  private final NetworkTrafficServerConnector connector;

  IntakeServer(String host, int port, IntakeSettings s, Handler events, Handler ops, Runnable onHeaderTimeout,
      java.util.function.IntConsumer onStatus) throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(64, 4);
    threads.setName("ksiem-http-intake");
    threads.setDaemon(true);
    server = new Server(threads);
    // no graceful wait: open keep-alive connections would hold close() for the whole timeout
    server.setStopTimeout(0);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setRequestHeaderSize(MAX_HEADER_BYTES);
    HttpConnectionFactory http1 = new HttpConnectionFactory(http);
    // a connector that tells of the bytes it reads: the header timeout starts on a request's first ones
    connector = s.tls() == null ? new NetworkTrafficServerConnector(server, http1)
        : new NetworkTrafficServerConnector(server, http1, tls(s.tls()));
    connector.setHost(host);
    connector.setPort(port);
    connector.setIdleTimeout(s.idleTimeout().toMillis());
    connector.setAcceptQueueSize(ACCEPT_QUEUE);
    server.addConnector(connector);
    server.addBean(new NetworkConnectionLimit(s.maxConnections(), connector));

    PathMappingsHandler routes = new PathMappingsHandler();
    routes.addMapping(PathSpec.from("/events"), events);
    routes.addMapping(PathSpec.from("/health"), ops);
    routes.addMapping(PathSpec.from("/health/*"), ops);
    routes.addMapping(PathSpec.from("/metrics"), ops);
    // every answer the handlers gave, by status, as Jetty completes it
    Handler counted = new org.eclipse.jetty.server.handler.EventsHandler(routes) {
      @Override
      protected void onComplete(org.eclipse.jetty.server.Request request, int status,
          org.eclipse.jetty.http.HttpFields headers, Throwable failure) {
        onStatus.accept(status);
      }
    };
    HeaderDeadline deadline = new HeaderDeadline(counted, s.headerTimeout().toMillis(), server.getScheduler(),
        onHeaderTimeout);
    connector.addBean(deadline.connections());
    connector.setNetworkTrafficListener(deadline.traffic());
    server.setHandler(deadline);
    try {
      server.start();
    } catch (Exception | Error e) {
      // a port in use, an unreadable keystore: the thread pool and scheduler may be running already
      try {
        server.stop();
      } catch (Exception stopping) {
        e.addSuppressed(stopping);
      }
      throw e;
    }
  }

  private static SslContextFactory.Server tls(IntakeSettings.Tls t) {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStorePath(t.keystore().toString());
    ssl.setKeyStoreType("PKCS12");
    ssl.setKeyStorePassword(t.keystorePassword());
    if (t.clientCa() != null) {
      ssl.setTrustStore(PemTrust.trustStore(t.clientCa()));
      ssl.setNeedClientAuth(true);
    }
    return ssl;
  }

  int port() {
    return connector.getLocalPort();
  }

  /** Runs {@code r} on the server's threads, so a Kafka callback does not write responses itself. */
  void execute(Runnable r) {
    try {
      server.getThreadPool().execute(r);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      r.run();
    }
  }

  /** Runs {@code r} on the server's scheduler after {@code millis}; returns what cancels it. */
  Runnable schedule(Runnable r, long millis) {
    org.eclipse.jetty.util.thread.Scheduler.Task task = server.getScheduler().schedule(() -> execute(r), millis,
        TimeUnit.MILLISECONDS);
    return task::cancel;
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("stopping the HTTP intake", e);
    }
  }
}
