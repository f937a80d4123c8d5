package io.ksiem.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Who may post: an {@code Authorization} header with one of the accepted bearer tokens or basic {@code user:password}
 * pairs. Each presented credential is compared with every accepted one by SHA-256 digest in constant time
 * ({@link MessageDigest#isEqual}), all of them, so the time taken tells neither which entry nearly matched nor how
 * long the right one is. Hand-written: Jetty's security module has basic authentication but no bearer tokens, and
 * this is the whole of what the intake needs. Nothing here logs or prints a credential.
 */
final class IntakeAuth {
  private final List<byte[]> tokens = new ArrayList<>();
  private final List<byte[]> basic = new ArrayList<>();
  private final String[] challenges;

  IntakeAuth(List<String> bearerTokens, List<String> basicCredentials) {
    bearerTokens.forEach(t -> tokens.add(digest(t)));
    for (int i = 0; i < basicCredentials.size(); i++) {
      String pair = basicCredentials.get(i);
      if (pair.indexOf(':') < 1) {
        // the line itself is a secret: say which entry, not what it holds (counted by position, not indexOf,
        // which names the first of two equal malformed lines)
        throw new IllegalArgumentException("basic credentials entry " + (i + 1)
            + " (blank and # lines not counted) is not user:password");
      }
      basic.add(digest(pair));
    }
    List<String> c = new ArrayList<>();
    if (!tokens.isEmpty()) {
      c.add("Bearer realm=\"ksiem\"");
    }
    if (!basic.isEmpty()) {
      c.add("Basic realm=\"ksiem\", charset=\"UTF-8\"");
    }
    challenges = c.toArray(String[]::new);
  }

  /** Whether any credential is asked for; when not, anyone who can reach the port can post. */
  boolean required() {
    return challenges.length > 0;
  }

  /** The {@code WWW-Authenticate} values of a 401. */
  String[] challenges() {
    return challenges.clone();
  }

  /** Whether {@code authorization} (the header's value, or null) carries an accepted credential. */
  boolean permits(String authorization) {
    if (!required()) {
      return true;
    }
    if (authorization == null) {
      return false;
    }
    String h = authorization.strip();
    int space = h.indexOf(' ');
    if (space < 0) {
      return false;
    }
    String scheme = h.substring(0, space).toLowerCase(Locale.ROOT);
    String value = h.substring(space + 1).strip();
    if (scheme.equals("bearer")) {
      return anyEqual(tokens, digest(value));
    }
    if (scheme.equals("basic")) {
      byte[] decoded;
      try {
        decoded = Base64.getDecoder().decode(value);
      } catch (IllegalArgumentException notBase64) {
        return false;
      }
      return anyEqual(basic, digest(new String(decoded, StandardCharsets.UTF_8)));
    }
    return false;
  }

  /** Compares with every entry, not stopping at a match. */
  private static boolean anyEqual(List<byte[]> accepted, byte[] presented) {
    boolean found = false;
    for (byte[] a : accepted) {
      found |= MessageDigest.isEqual(a, presented);
    }
    return found;
  }

  private static byte[] digest(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "IntakeAuth[" + tokens.size() + " tokens, " + basic.size() + " basic credentials]";
  }
}
