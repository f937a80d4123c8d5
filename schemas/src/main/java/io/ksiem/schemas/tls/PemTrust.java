package io.ksiem.schemas.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The CAs of a PEM file as what a TLS client or server trusts: the registry client, the Elasticsearch sink and the
 * intake's client CA read their CA files here. It lives in this module because the registry client does, and the
 * other two depend on it. Every certificate of the file counts: a bundle (an intermediate and its root, or an old
 * and a new CA during a rotation) is not cut to its first certificate.
 */
public final class PemTrust {
  private PemTrust() {
  }

  /** A key store holding every certificate of {@code pem} as a trust anchor. */
  public static KeyStore trustStore(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int n = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca-" + n++, c);
      }
      if (n == 0) {
        throw new IllegalArgumentException("CA file " + pem + " holds no certificate");
      }
      return trust;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("CA file " + pem + " is not readable as PEM certificates: " + e, e);
    }
  }

  /** A TLS client context that trusts exactly the certificates of {@code pem}. */
  public static SSLContext sslContext(Path pem) {
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trustStore(pem));
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      return ssl;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("CA file " + pem + ": " + e, e);
    }
  }
}
