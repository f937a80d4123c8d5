package io.ksiem.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /health} of an app run alone, for container health checks and Kubernetes probes: 200 while the app
 * runs, 503 once it has failed or is stopping. Ingest answers it on its intake port instead.
 */
final class HealthEndpoint implements AutoCloseable {
  private final HttpServer server;

  HealthEndpoint(String host, int port, BooleanSupplier up) throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.createContext("/health", ex -> {
      boolean ok = up.getAsBoolean();
      byte[] body = (ok ? "ok" : "down").getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(ok ? 200 : 503, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
