package io.ksiem.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One real scrape of an app's {@code GET /metrics}: its samples, and what Prometheus' promtool says of it. */
final class Scrape {
  final String app;
  final String text;
  /** {@code name{labels}} to value, as the exposition has them. */
  final Map<String, Double> samples = new LinkedHashMap<>();

  private Scrape(String app, String text) {
    this.app = app;
    this.text = text;
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
  }

  static Scrape of(String app, int port) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), app);
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"), app);
    return new Scrape(app, r.body());
  }

  /** The sum over the samples of {@code name} whose labels include every {@code key="value"} given. */
  double sum(String name, String... labels) {
    double total = 0;
    boolean found = false;
    for (Map.Entry<String, Double> e : samples.entrySet()) {
      String k = e.getKey();
      String n = k.contains("{") ? k.substring(0, k.indexOf('{')) : k;
      if (!n.equals(name)) {
        continue;
      }
      boolean all = true;
      for (String l : labels) {
        all &= k.contains(l);
      }
      if (all) {
        total += e.getValue();
        found = true;
      }
    }
    assertTrue(found, app + " exposes no " + name + " " + String.join(",", labels));
    return total;
  }

  boolean has(String prefix) {
    return samples.keySet().stream().anyMatch(k -> k.startsWith(prefix));
  }

  /**
   * {@code promtool check metrics} (Debian's prometheus package) on the scrape: the complaints it has, or the test
   * fails when the scrape does not parse. Exit 3 is its "linted, with problems".
   */
  java.util.List<String> promtool() throws Exception {
    Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertTrue(p.exitValue() == 0 || p.exitValue() == 3, app + ": promtool cannot read the scrape: " + out);
    return out.lines().filter(l -> !l.isBlank()).toList();
  }
}
