package io.ksiem.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ksiem kibana import}: the alarms dashboard and its data views into a Kibana. */
@Command(name = "kibana", mixinStandardHelpOptions = true, description = "Kibana dashboards for the alarms.",
    subcommands = KibanaCommand.Import.class)
public final class KibanaCommand {
  /** The saved objects in the jar: kibana/ksiem-dashboards.ndjson of the source tree. */
  static final String BUNDLED = "/kibana/ksiem-dashboards.ndjson";
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  @Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Imports saved objects into Kibana through its import API (overwriting objects with the "
          + "same ids): the data views siem_alarms, siem_alarm_events-* and siem_events-*, the searches and the "
          + "\"ksiem alarms\" dashboard. The index names are dsiem's, so dsiem's own dashboards keep working too.",
          "Exit codes: 0 imported, 1 Kibana refused or is unreachable, 2 usage."})
  static final class Import implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--url", required = true, description = "Kibana's base URL, e.g. http://localhost:5601")
    String url;

    @Option(names = "--space", description = "Kibana space (default: the default space)")
    String space;

    @Option(names = "--user", description = "Kibana user with the saved objects privileges, for HTTP basic "
        + "authentication (Kibana with security on)")
    String user;

    @Option(names = "--password-file", description = "file holding that user's password (a mounted Secret)")
    Path passwordFile;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "NDJSON saved objects (default: the bundled ones)")
    Path file;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      byte[] ndjson;
      try {
        ndjson = file != null ? Files.readAllBytes(file) : bundled();
      } catch (IOException e) {
        err.println("ksiem kibana import: " + e.getMessage());
        return 2;
      }
      // any @ may end user info (a password may hold / or ?, which ends a URI's authority early): refused, unshown
      if (url.contains("@")) {
        err.println("ksiem kibana import: --url carries credentials; give --user and --password-file instead");
        return 2;
      }
      if ((user == null) != (passwordFile == null)) {
        err.println("ksiem kibana import: --user and --password-file go together");
        return 2;
      }
      if (user != null && url.startsWith("http:")) {
        err.println("ksiem kibana import: warning: sending " + user + "'s credentials over plain HTTP");
      }
      String base = url.replaceAll("/+$", "") + (space == null ? "" : "/s/" + space);
      HttpRequest request = request(base, ndjson, user == null ? null : basic(user,
          Files.readString(passwordFile).strip()));
      HttpResponse<String> r;
      try {
        r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build().send(request,
            HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        err.println("ksiem kibana import: Kibana at " + url + " did not answer: " + e);
        return 1;
      }
      var body = JSON.readTree(r.body().isEmpty() ? "{}" : r.body());
      if (r.statusCode() != 200 || !body.path("success").asBoolean(false)) {
        err.println("ksiem kibana import: HTTP " + r.statusCode() + ": " + r.body());
        return 1;
      }
      out.println("imported " + body.path("successCount").asInt() + " saved objects into " + base);
      return 0;
    }
  }

  public static byte[] bundled() throws IOException {
    try (InputStream in = KibanaCommand.class.getResourceAsStream(BUNDLED)) {
      if (in == null) {
        throw new IOException("no bundled saved objects at " + BUNDLED);
      }
      return in.readAllBytes();
    }
  }

  /**
   * The multipart upload the import API takes. Written here: the JDK's HttpClient has no multipart body, and a
   * multipart library for one request is more than this.
   */
  public static HttpRequest request(String base, byte[] ndjson) {
    return request(base, ndjson, null);
  }

  /** An HTTP basic {@code Authorization} value. */
  static String basic(String user, String password) {
    return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
  }

  /** The same with an {@code Authorization} header, when {@code authorization} is not null. */
  public static HttpRequest request(String base, byte[] ndjson, String authorization) {
    String boundary = "ksiem-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; "
        + "filename=\"ksiem-dashboards.ndjson\"\r\nContent-Type: application/ndjson\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8);
    body.writeBytes(head);
    body.writeBytes(ndjson);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/saved_objects/_import?overwrite=true"))
        .timeout(Duration.ofMinutes(1)).header("kbn-xsrf", "true")
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b.build();
  }
}
