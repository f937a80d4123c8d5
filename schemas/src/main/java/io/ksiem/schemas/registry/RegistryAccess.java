package io.ksiem.schemas.registry;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import javax.net.ssl.SSLContext;

/**
 * How the registry client proves who it is and whom it trusts: an {@code Authorization} header (HTTP basic, as
 * Confluent Schema Registry and Karapace take it, or a bearer token, as an OAuth-protected Apicurio takes it) and
 * the CAs of a registry whose certificate no public CA signed. {@link #toString()} never shows the header.
 */
public record RegistryAccess(String authorization, SSLContext ssl) {
  /** No credentials, the JDK's trusted CAs: an open registry. */
  public static final RegistryAccess NONE = new RegistryAccess(null, null);

  /**
   * From the settings: {@code user} and {@code password} for basic, or {@code token} for a bearer token (not both),
   * and {@code caFile}, PEM certificates to trust instead of the JDK's; every argument may be null or empty.
   */
  public static RegistryAccess of(String user, String password, String token, String caFile) {
    boolean basic = notEmpty(user) || notEmpty(password);
    if (basic && notEmpty(token)) {
      throw new IllegalArgumentException("the registry takes basic credentials (registry.user and a password) or a "
          + "bearer token (registry.token), not both");
    }
    if (basic && !(notEmpty(user) && notEmpty(password))) {
      throw new IllegalArgumentException("registry basic credentials need both registry.user and a password");
    }
    String header = basic ? "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8)) : notEmpty(token) ? "Bearer " + token.trim() : null;
    return new RegistryAccess(header, notEmpty(caFile) ? io.ksiem.schemas.tls.PemTrust.sslContext(Path.of(caFile.trim())) : null);
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isBlank();
  }

  @Override
  public String toString() {
    return "RegistryAccess[" + (authorization == null ? "no credentials" : authorization.substring(0,
        authorization.indexOf(' ')) + " credentials") + (ssl == null ? "" : ", own CAs") + "]";
  }
}
