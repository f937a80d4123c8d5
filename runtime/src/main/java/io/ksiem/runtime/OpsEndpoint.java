package io.ksiem.runtime;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * The operator's HTTP port of an app run alone (docs/operations.md): {@code GET /health/live} (200 while the app
 * runs, 503 once it has failed or is stopping: restart it), {@code GET /health/ready} (200 while it does its work:
 * send it traffic, count it in), {@code GET /health} (as live, for older probes) and {@code GET /metrics}. Ingest
 * answers the same paths on its intake port, through {@link #answer}.
 */
public final class OpsEndpoint implements AutoCloseable {
  /** What an app says of itself: alive (else restart it) and ready (else wait; it comes back by itself). */
  public record Probes(BooleanSupplier live, BooleanSupplier ready) {
  }

  /** An answer: its status, content type and body. */
  public record Answer(int status, String contentType, byte[] body) {
  }

  private static final String TEXT = "text/plain; charset=utf-8";
  /** Prometheus' text exposition format. */
  private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;

  public OpsEndpoint(String host, int port, Probes probes, AppMetrics metrics) throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.createContext("/", ex -> {
      Answer a = "GET".equals(ex.getRequestMethod()) ? answer(ex.getRequestURI().getPath(), probes, metrics)
          : new Answer(405, TEXT, "GET only".getBytes(StandardCharsets.UTF_8));
      if (a == null) {
        a = new Answer(404, TEXT, "not found".getBytes(StandardCharsets.UTF_8));
      }
      ex.getResponseHeaders().set("Content-Type", a.contentType());
      ex.sendResponseHeaders(a.status(), a.body().length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(a.body());
      }
    });
    server.start();
  }

  /** The answer to {@code GET path}, or null when the path is none of the operator's. */
  public static Answer answer(String path, Probes probes, AppMetrics metrics) {
    switch (path) {
      case "/health", "/health/live" -> {
        return probe(probes.live().getAsBoolean(), "down");
      }
      case "/health/ready" -> {
        return probe(probes.ready().getAsBoolean(), "not ready");
      }
      case "/metrics" -> {
        return metrics == null ? null : new Answer(200, PROMETHEUS, metrics.scrape().getBytes(StandardCharsets.UTF_8));
      }
      default -> {
        return null;
      }
    }
  }

  private static Answer probe(boolean ok, String no) {
    return new Answer(ok ? 200 : 503, TEXT, (ok ? "ok" : no).getBytes(StandardCharsets.UTF_8));
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
