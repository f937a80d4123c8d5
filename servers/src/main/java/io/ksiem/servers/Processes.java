package io.ksiem.servers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** Waiting for a child server to answer on HTTP. */
final class Processes {
  private Processes() {
  }

  static void awaitHttp(Process p, String name, String url, Duration timeout, Path log)
      throws IOException, InterruptedException {
    awaitHttp(p, name, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(),
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), timeout, log);
  }

  /** The same with a client and request of the caller's: a server with TLS and users. */
  static void awaitHttp(Process p, String name, HttpClient http, HttpRequest request, Duration timeout, Path log)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException(name + " exited with " + p.exitValue() + "; see " + log);
      }
      try {
        HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(250);
    }
    p.destroy();
    throw new IOException(name + " not ready within " + timeout.toSeconds() + " s; see " + log);
  }

  static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " exited with " + p.exitValue());
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
