package io.ksiem.elasticsearch;

import co.elastic.clients.transport.TransportUtils;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.auth.AuthScope;
import org.apache.http.auth.UsernamePasswordCredentials;
import org.apache.http.impl.client.BasicCredentialsProvider;
import org.apache.http.message.BasicHeader;
import org.elasticsearch.client.RestClient;
import org.elasticsearch.client.RestClientBuilder;

/**
 * How the sink reaches Elasticsearch: its nodes (all https or all http), whom it trusts over TLS (the JVM's trust
 * store, a CA file, or a CA certificate's SHA-256 fingerprint) and how it authenticates (nothing, an API key, or a
 * user and password). Immutable; {@link #toString()} and every message leave credentials out, and a URL with user
 * info is refused rather than parsed, since it would end up in logs.
 */
public final class ElasticsearchConnection {
  private final List<HttpHost> nodes;
  private final boolean https;
  private final Path caFile;
  private final String caFingerprint;
  private final String apiKey;
  private final String username;
  private final String password;

  private ElasticsearchConnection(List<HttpHost> nodes, boolean https, Path caFile, String caFingerprint,
      String apiKey, String username, String password) {
    this.nodes = nodes;
    this.https = https;
    this.caFile = caFile;
    this.caFingerprint = caFingerprint;
    this.apiKey = apiKey;
    this.username = username;
    this.password = password;
  }

  /**
   * The nodes of {@code urls}, comma-separated ({@code https://es1:9200,https://es2:9200}), with no credentials and
   * the JVM's trust store. Refused: no URL, a scheme other than http and https, both schemes, a path, a query, and
   * user info (credentials go in the credential settings, never in a URL).
   */
  public static ElasticsearchConnection to(String urls) {
    List<HttpHost> nodes = new ArrayList<>();
    Boolean https = null;
    int n = 0;
    for (String part : (urls == null ? "" : urls).split(",")) {
      String u = part.trim();
      if (u.isEmpty()) {
        continue;
      }
      n++;
      if (u.contains("@")) {
        // nothing of it is repeated: the part before the @ may be a password
        throw new IllegalArgumentException("node " + n + " of the Elasticsearch URLs has user info (" + redact(u)
            + "); URLs must not carry credentials: set elasticsearch.user and elasticsearch.password (or "
            + "elasticsearch.password.file), or elasticsearch.api.key (or elasticsearch.api.key.file)");
      }
      URI uri;
      try {
        uri = new URI(u);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("node " + n + " of the Elasticsearch URLs is not a URL: " + u);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
        throw new IllegalArgumentException("node " + n + " of the Elasticsearch URLs is not http(s)://host[:port]: "
            + u);
      }
      if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")
          || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw new IllegalArgumentException("node " + n + " of the Elasticsearch URLs has a path or query; give "
            + "scheme, host and port only: " + u);
      }
      if (https != null && https != scheme.equals("https")) {
        throw new IllegalArgumentException("the Elasticsearch URLs mix http and https; use one for every node");
      }
      https = scheme.equals("https");
      nodes.add(new HttpHost(uri.getHost(), uri.getPort(), scheme));
    }
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("no Elasticsearch URL given");
    }
    return new ElasticsearchConnection(List.copyOf(nodes), https, null, null, null, null, null);
  }

  /** Trusts the CA certificates in a PEM file (one or more, a chain or a bundle) instead of the JVM's store. */
  public ElasticsearchConnection trustingCaFile(Path pem) {
    requireHttps("a CA file");
    if (caFingerprint != null) {
      throw new IllegalArgumentException("give a CA file or a CA fingerprint, not both");
    }
    return new ElasticsearchConnection(nodes, https, pem, null, apiKey, username, password);
  }

  /**
   * Trusts a server whose handshake ends with the certificate of this SHA-256 fingerprint (hex, colons and case
   * as you like): what Elasticsearch prints at its first start as the HTTP CA certificate's fingerprint.
   */
  public ElasticsearchConnection trustingCaFingerprint(String sha256) {
    requireHttps("a CA fingerprint");
    if (caFile != null) {
      throw new IllegalArgumentException("give a CA file or a CA fingerprint, not both");
    }
    String hex = sha256.replaceAll("[:\\s]", "").toLowerCase(Locale.ROOT);
    if (!hex.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("a CA fingerprint is 64 hex digits (SHA-256), colons allowed");
    }
    return new ElasticsearchConnection(nodes, https, null, hex, apiKey, username, password);
  }

  /**
   * Authenticates with an API key, sent as {@code Authorization: ApiKey <key>}: the {@code encoded} value of
   * Elasticsearch's create-API-key response, or {@code id:api_key}, which is encoded here.
   */
  public ElasticsearchConnection withApiKey(String key) {
    if (username != null) {
      throw new IllegalArgumentException("give an API key or a user and password, not both");
    }
    String k = key == null ? "" : key.trim();
    if (k.contains(":")) {
      k = Base64.getEncoder().encodeToString(k.getBytes(StandardCharsets.UTF_8));
    }
    boolean encoded;
    try {
      encoded = !k.isEmpty() && new String(Base64.getDecoder().decode(k), StandardCharsets.UTF_8).indexOf(':') > 0;
    } catch (IllegalArgumentException notBase64) {
      encoded = false;
    }
    if (!encoded) {
      // the value is not repeated: it may be a real key pasted wrongly
      throw new IllegalArgumentException("the API key is neither the encoded value of a create-API-key response "
          + "nor id:api_key");
    }
    return new ElasticsearchConnection(nodes, https, caFile, caFingerprint, k, null, null);
  }

  /** Authenticates with HTTP basic authentication. */
  public ElasticsearchConnection withUser(String name, String password) {
    if (apiKey != null) {
      throw new IllegalArgumentException("give an API key or a user and password, not both");
    }
    if (name == null || name.isBlank() || name.contains(":")) {
      throw new IllegalArgumentException("an Elasticsearch user name must be given, without ':'");
    }
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("Elasticsearch user " + name + " has no password");
    }
    return new ElasticsearchConnection(nodes, https, caFile, caFingerprint, null, name, password);
  }

  private void requireHttps(String what) {
    if (!https) {
      throw new IllegalArgumentException(what + " is only for https nodes; the Elasticsearch URLs are http");
    }
  }

  public List<HttpHost> nodes() {
    return nodes;
  }

  /** True when a user or API key would cross the network unencrypted (http nodes). */
  public boolean sendsCredentialsInClear() {
    return !https && (apiKey != null || username != null);
  }

  /**
   * A low-level client over these nodes with this trust and these credentials. The API key is a default header;
   * the user goes to a credentials provider, which the client uses preemptively for each of its nodes.
   */
  public RestClient restClient() {
    RestClientBuilder b = RestClient.builder(nodes.toArray(HttpHost[]::new));
    if (apiKey != null) {
      b.setDefaultHeaders(new Header[] {new BasicHeader("Authorization", "ApiKey " + apiKey)});
    }
    SSLContext ssl = caFile != null ? io.ksiem.schemas.tls.PemTrust.sslContext(caFile)
        : caFingerprint != null ? TransportUtils.sslContextFromCaFingerprint(caFingerprint) : null;
    BasicCredentialsProvider credentials = null;
    if (username != null) {
      credentials = new BasicCredentialsProvider();
      credentials.setCredentials(AuthScope.ANY, new UsernamePasswordCredentials(username, password));
    }
    BasicCredentialsProvider provider = credentials;
    b.setHttpClientConfigCallback(h -> {
      if (ssl != null) {
        h.setSSLContext(ssl);
      }
      if (provider != null) {
        h.setDefaultCredentialsProvider(provider);
      }
      return h;
    });
    return b.build();
  }


  /** {@code url} with everything before its last {@code @} after the scheme replaced: safe to show. */
  static String redact(String url) {
    int at = url.lastIndexOf('@');
    if (at < 0) {
      return url;
    }
    int scheme = url.indexOf("://");
    return (scheme >= 0 && scheme < at ? url.substring(0, scheme + 3) : "") + "<redacted>@" + url.substring(at + 1);
  }

  @Override
  public String toString() {
    List<String> urls = nodes.stream().map(HttpHost::toURI).toList();
    String trust = caFile != null ? "CA file " + caFile : caFingerprint != null ? "CA fingerprint " + caFingerprint
        : https ? "JVM trust store" : "no TLS";
    String auth = apiKey != null ? "API key" : username != null ? "user " + username : "no credentials";
    return "ElasticsearchConnection[" + String.join(",", urls) + "; " + trust + "; " + auth + "]";
  }
}
