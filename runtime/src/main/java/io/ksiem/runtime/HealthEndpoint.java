package io.ksiem.runtime;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /health} of an app run alone, for container health checks and Kubernetes probes: 200 while the app
 * runs, 503 once it has failed or is stopping. Ingest serves {@link #handler} on its intake port instead.
 */
public final class HealthEndpoint implements AutoCloseable {
  private final HttpServer server;

  public HealthEndpoint(String host, int port, BooleanSupplier up) throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.createContext("/health", handler(up));
    server.start();
  }

  /** {@code GET /health}: 200 "ok" while {@code up} holds, else 503 "down". */
  public static HttpHandler handler(BooleanSupplier up) {
    return ex -> {
      boolean ok = up.getAsBoolean();
      byte[] body = (ok ? "ok" : "down").getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(ok ? 200 : 503, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    };
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
