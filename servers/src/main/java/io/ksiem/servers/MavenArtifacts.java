package io.ksiem.servers;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Server distributions from Maven Central, kept in the local Maven repository like any other artifact. Fetched over
 * HTTP rather than through Maven because some (Apicurio's) have a parent pom that is not on Maven Central, which
 * makes Maven's resolvers refuse them. Checked against Central's SHA-1.
 */
public final class MavenArtifacts {
  private static final String CENTRAL = System.getProperty("ksiem.maven.central",
      "https://repo.maven.apache.org/maven2");

  private MavenArtifacts() {
  }

  public static Path localRepository() {
    String configured = System.getProperty("maven.repo.local");
    return configured != null ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".m2", "repository");
  }

  /** The artifact's file in the local repository, downloaded first if missing. */
  public static Path fetch(String groupId, String artifactId, String version, String classifier, String type,
      Progress progress) throws IOException, InterruptedException {
    String file = artifactId + "-" + version + (classifier == null ? "" : "-" + classifier) + "." + type;
    String rel = groupId.replace('.', '/') + "/" + artifactId + "/" + version + "/" + file;
    Path local = localRepository().resolve(rel);
    if (Files.isRegularFile(local)) {
      return local;
    }
    Files.createDirectories(local.getParent());
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30)).build();
    String expected = http.send(HttpRequest.newBuilder(URI.create(CENTRAL + "/" + rel + ".sha1")).build(),
        HttpResponse.BodyHandlers.ofString()).body().trim().split("\\s+")[0];
    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(CENTRAL + "/" + rel)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + CENTRAL + "/" + rel + " answered " + r.statusCode());
    }
    long total = r.headers().firstValueAsLong("content-length").orElse(-1);
    Path tmp = Files.createTempFile(local.getParent(), file, ".part");
    MessageDigest sha1;
    try {
      sha1 = MessageDigest.getInstance("SHA-1");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = r.body(); var out = Files.newOutputStream(tmp)) {
      byte[] buf = new byte[1 << 16];
      long done = 0;
      for (int n; (n = in.read(buf)) > 0; ) {
        out.write(buf, 0, n);
        sha1.update(buf, 0, n);
        done += n;
        progress.bytes(file, done, total);
      }
    }
    String actual = HexFormat.of().formatHex(sha1.digest());
    if (!actual.equalsIgnoreCase(expected)) {
      Files.deleteIfExists(tmp);
      throw new IOException(file + ": SHA-1 " + actual + " does not match Maven Central's " + expected);
    }
    Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return local;
  }

  /** Download progress, for a launcher's display. */
  @FunctionalInterface
  public interface Progress {
    Progress NONE = (file, done, total) -> { };

    void bytes(String file, long done, long total);
  }
}
