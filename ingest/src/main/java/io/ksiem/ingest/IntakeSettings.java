package io.ksiem.ingest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How {@code POST /events} is served: TLS, who may post, and the limits that keep a few slow or greedy clients from
 * stalling the others (docs/settings.md, {@code http.*}).
 *
 * @param tls HTTPS, or null for plain HTTP
 * @param bearerTokens accepted {@code Authorization: Bearer} tokens
 * @param basicCredentials accepted {@code user:password} pairs for {@code Authorization: Basic}; with no tokens and
 *     no pairs, anyone who can reach the port can post
 * @param headerTimeout how long a connection may take, from its opening or the end of its last response, to send
 *     the next request's headers; longer, it is closed (slow clients, idle keep-alive connections)
 * @param idleTimeout how long a connection may send or take nothing while a request is under way (a stalled body)
 * @param maxConnections connections served at once; more wait in the accept queue until one closes
 * @param rateLimit events per second taken, 0 for no limit; more are answered 429
 * @param maxInFlight events sent to Kafka and not yet acknowledged; more are answered 429
 */
public record IntakeSettings(Tls tls, List<String> bearerTokens, List<String> basicCredentials,
    Duration headerTimeout, Duration idleTimeout, int maxConnections, int rateLimit, int maxInFlight) {

  /**
   * HTTPS with the key and certificate chain of a PKCS12 keystore.
   *
   * @param clientCa a PEM file of CA certificates: set, every client must present a certificate one of them signed
   *     (mutual TLS); null, clients are not asked for one
   */
  public record Tls(Path keystore, String keystorePassword, Path clientCa) {
    @Override
    public String toString() {
      return "Tls[" + keystore + ", password hidden, clientCa=" + clientCa + "]";
    }
  }

  public IntakeSettings {
    bearerTokens = List.copyOf(bearerTokens);
    basicCredentials = List.copyOf(basicCredentials);
    if (headerTimeout.isNegative() || headerTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("HTTP timeouts must be positive");
    }
    if (maxConnections < 1 || rateLimit < 0 || maxInFlight < 1) {
      throw new IllegalArgumentException("http.max.connections and http.max.in.flight must be at least 1, "
          + "http.rate.limit at least 0");
    }
  }

  /** Plain HTTP, no authentication, the default limits: the intake as it was before these settings. */
  public static IntakeSettings open() {
    return new IntakeSettings(null, List.of(), List.of(), Duration.ofSeconds(10), Duration.ofSeconds(30), 1000, 0,
        1000);
  }

  public IntakeSettings withTls(Tls tls) {
    return new IntakeSettings(tls, bearerTokens, basicCredentials, headerTimeout, idleTimeout, maxConnections,
        rateLimit, maxInFlight);
  }

  public IntakeSettings withCredentials(List<String> bearerTokens, List<String> basicCredentials) {
    return new IntakeSettings(tls, bearerTokens, basicCredentials, headerTimeout, idleTimeout, maxConnections,
        rateLimit, maxInFlight);
  }

  public IntakeSettings withLimits(Duration headerTimeout, Duration idleTimeout, int maxConnections, int rateLimit,
      int maxInFlight) {
    return new IntakeSettings(tls, bearerTokens, basicCredentials, headerTimeout, idleTimeout, maxConnections,
        rateLimit, maxInFlight);
  }

  /**
   * The lines of a credentials file or value: one entry a line, blank lines and lines starting with {@code #} left
   * out, surrounding spaces trimmed. Null gives none.
   */
  public static List<String> lines(String content) {
    if (content == null) {
      return List.of();
    }
    return content.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }

  @Override
  public String toString() {
    // never the tokens or passwords
    return "IntakeSettings[tls=" + tls + ", bearerTokens=" + bearerTokens.size() + ", basicCredentials="
        + basicCredentials.size() + ", headerTimeout=" + headerTimeout + ", idleTimeout=" + idleTimeout
        + ", maxConnections=" + maxConnections + ", rateLimit=" + rateLimit + ", maxInFlight=" + maxInFlight + "]";
  }
}
