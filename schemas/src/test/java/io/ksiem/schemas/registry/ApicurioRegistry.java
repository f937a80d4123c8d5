package io.ksiem.schemas.registry;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * A real Apicurio Registry (unpacked from Maven Central by the build), started once per test JVM on a free
 * loopback port with in-memory storage, and stopped when the JVM exits.
 */
public final class ApicurioRegistry {
  private static String url;

  private ApicurioRegistry() {
  }

  private static void unpack(Path archive, Path dir) throws IOException, InterruptedException {
    if (Files.isDirectory(dir.resolve("lib"))) {
      return;
    }
    if (!Files.isRegularFile(archive)) {
      throw new IOException("Apicurio distribution not found at " + archive + " (the build fetches it)");
    }
    Files.createDirectories(dir);
    Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", dir.toString()).inheritIO().start();
    if (tar.waitFor() != 0) {
      throw new IOException("could not unpack " + archive);
    }
  }

  /** The Confluent-compatible API base URL of the shared registry, starting it on first use. */
  public static synchronized String ccompatUrl() throws IOException, InterruptedException {
    if (url != null) {
      return url;
    }
    Path dir = Path.of(System.getProperty("ksiem.servers.dir", "target/servers"), "apicurio");
    unpack(Path.of(System.getProperty("ksiem.apicurio.archive")), dir);
    Path jar;
    try (Stream<Path> s = Files.list(dir)) {
      jar = s.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
          .orElseThrow(() -> new IOException("no Apicurio runner jar in " + dir));
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1", "-jar", jar.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("apicurio.log").toFile()).start();
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
    String base = "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException("Apicurio Registry exited with " + p.exitValue() + "; see " + dir.resolve("apicurio.log"));
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base + "/subjects")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          url = base;
          return url;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(250);
    }
    p.destroy();
    throw new IOException("Apicurio Registry not ready within 90 s; see " + dir.resolve("apicurio.log"));
  }
}
