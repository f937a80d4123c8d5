package io.ksiem.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.event.Event;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Text an attacker controls (an sshd user name, a packet payload, HTTP headers) must not decide src_ip, src_port,
 * user or the kind of event. The sshd lines are the ones sshd really writes when the attacker picks the user name.
 */
class MappingSpoofingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Mapping ssh;
  private static Mapping suricata;

  @BeforeAll
  static void load() throws IOException {
    ssh = Mapping.builtIn("openssh");
    suricata = Mapping.builtIn("suricata");
  }

  private static Outcome sshd(String message) {
    ObjectNode doc = JSON.createObjectNode().put("@timestamp", "2026-01-05T10:05:00Z").put("message", message);
    doc.putObject("host").put("name", "bastion").putArray("ip").add("10.10.2.20");
    return MappingTest.run(ssh, doc.toString());
  }

  private static Event event(Outcome o) {
    assertTrue(o.ok(), () -> "expected an event, got " + (o.skipped() ? "skip: " : "failure: ") + o.reason());
    return o.event();
  }

  @Test
  void aUserNameHoldingFromAndPortDoesNotBecomeTheSource() {
    for (String header : new String[] {"", "Jan  5 10:05:00 bastion sshd[4100]: ",
        "2026-01-05T10:05:00.123456+00:00 bastion sshd[4100]: ", "sshd-session[77]: "}) {
      Event e = event(sshd(header
          + "Failed password for invalid user x from 6.6.6.6 port 1 from 10.0.0.9 port 5022 ssh2"));
      assertEquals("10.0.0.9", e.srcIp, header);
      assertEquals(5022, e.srcPort, header);
      assertEquals("x from 6.6.6.6 port 1", e.customData1, header);
      assertEquals(1, e.pluginSid, header);
    }
  }

  @Test
  void aUserNameEndingLikeAWholeLineDoesNotBecomeTheSource() {
    Event e = event(sshd("Failed password for invalid user x from 6.6.6.6 port 1 ssh2 from 10.0.0.9 port 5022 ssh2"));
    assertEquals("10.0.0.9", e.srcIp);
    assertEquals(5022, e.srcPort);
    assertEquals("x from 6.6.6.6 port 1 ssh2", e.customData1);
  }

  @Test
  void aUserNameFakingAKeyDoesNotBecomeTheSource() {
    Event e = event(sshd("Failed publickey for invalid user x from 6.6.6.6 port 1 ssh2: RSA SHA256:AAAA"
        + " from 10.0.0.9 port 5022 ssh2: ED25519 SHA256:hQ1l8X1zJ6fPq0Sx0YbKc3m9Dz2wT8oU5vR4aN7eGiE"));
    assertEquals("10.0.0.9", e.srcIp);
    assertEquals(5022, e.srcPort);
    assertEquals("x from 6.6.6.6 port 1 ssh2: RSA SHA256:AAAA", e.customData1);
    assertEquals(2, e.pluginSid);
  }

  @Test
  void anInvalidUserNameHoldingFromAndPortDoesNotBecomeTheSource() {
    Event e = event(sshd("Invalid user x from 6.6.6.6 port 1 from 10.0.0.9 port 5022"));
    assertEquals("10.0.0.9", e.srcIp);
    assertEquals(5022, e.srcPort);
    assertEquals("x from 6.6.6.6 port 1", e.customData1);
    // sshd before 7.5 wrote no port
    Event old = event(sshd("Invalid user x from 6.6.6.6 port 1 from 10.0.0.9"));
    assertEquals("10.0.0.9", old.srcIp);
    assertEquals(0, old.srcPort);
    assertEquals("x from 6.6.6.6 port 1", old.customData1);
  }

  /** Lines of other kinds that end with the user name must not pass for an accepted login or an invalid user. */
  @Test
  void aUserNameInsideAnotherLineDoesNotMakeAnEvent() {
    for (String line : new String[] {
        "Jan  5 10:05:00 bastion sshd[4100]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
            + "tty=ssh ruser= rhost=10.0.0.9  user=Accepted password for root from 6.6.6.6 port 1 ssh2",
        "error: PAM: Authentication failure for illegal user Invalid user admin from 6.6.6.6 from 10.0.0.9",
        "Disconnected from invalid user Accepted password for root from 6.6.6.6 port 1 ssh2 10.0.0.9 port 5022 "
            + "[preauth]",
        "Connection closed by invalid user Invalid user y from 6.6.6.6 port 1 10.0.0.9 port 5022 [preauth]"}) {
      Outcome o = sshd(line);
      assertTrue(o.skipped(), () -> line + " -> " + (o.ok() ? o.event().srcIp : o.reason()));
    }
  }

  @Test
  void ordinarySshdLinesStillMap() {
    Event failed = event(sshd("Jan  5 10:20:00 bastion sshd[4100]: Failed password for root from 203.0.113.50 "
        + "port 40100 ssh2"));
    assertEquals("203.0.113.50", failed.srcIp);
    assertEquals(40100, failed.srcPort);
    assertEquals("root", failed.customData1);
    assertEquals("Failed Password", failed.subcategory);
    assertEquals("10.10.2.20", failed.dstIp);

    Event key = event(sshd("Accepted publickey for deploy from 2001:db8::7 port 50413 ssh2: ED25519 "
        + "SHA256:hQ1l8X1zJ6fPq0Sx0YbKc3m9Dz2wT8oU5vR4aN7eGiE"));
    assertEquals("2001:db8::7", key.srcIp);
    assertEquals(50413, key.srcPort);
    assertEquals("deploy", key.customData1);
    assertEquals(8, key.pluginSid);

    Event md5 = event(sshd("Accepted publickey for deploy from 203.0.113.50 port 50414 ssh2: RSA "
        + "MD5:0b:1c:2d:3e:4f:50:61:72:83:94:a5:b6:c7:d8:e9:fa"));
    assertEquals(50414, md5.srcPort);

    Event cert = event(sshd("Accepted publickey for deploy from 203.0.113.50 port 50415 ssh2: ED25519-CERT ID "
        + "deploy@ci (serial 42) CA ED25519 SHA256:hQ1l8X1zJ6fPq0Sx0YbKc3m9Dz2wT8oU5vR4aN7eGiE"));
    assertEquals("203.0.113.50", cert.srcIp);
    assertEquals("deploy", cert.customData1);

    Event fido = event(sshd("Accepted publickey for deploy from 203.0.113.50 port 50416 ssh2: ED25519-SK "
        + "SHA256:hQ1l8X1zJ6fPq0Sx0YbKc3m9Dz2wT8oU5vR4aN7eGiE, signature count = 12"));
    assertEquals(50416, fido.srcPort);

    Event spaced = event(sshd("Failed password for invalid user a b from 203.0.113.50 port 40101 ssh2"));
    assertEquals("a b", spaced.customData1);
    assertEquals("203.0.113.50", spaced.srcIp);

    Event empty = event(sshd("Invalid user  from 203.0.113.51 port 40000"));
    assertEquals("", empty.customData1);
    assertEquals("203.0.113.51", empty.srcIp);
    assertEquals(3, empty.pluginSid);
  }

  /**
   * EVE's addresses and ports are fields of their own; the payload, HTTP fields and extra-data XFF are attacker text,
   * here written to look like those fields (and, escaped, like JSON).
   */
  @Test
  void suricataAddressesComeFromTheirOwnFieldsNotFromAttackerText() throws IOException {
    String fake = "\",\"src_ip\":\"6.6.6.6\",\"src_port\":1,\"x\":\"";
    ObjectNode alert = JSON.createObjectNode().put("timestamp", "2026-01-05T10:00:00.000000+0000")
        .put("event_type", "alert").put("src_ip", "10.0.0.9").put("src_port", 5022).put("dest_ip", "10.10.1.10")
        .put("dest_port", 80).put("proto", "TCP").put("payload_printable", "GET /?src_ip=6.6.6.6" + fake)
        .put("payload", "c3JjX2lwPTYuNi42LjY=").put("xff", "6.6.6.6");
    alert.putObject("alert").put("action", "allowed").put("signature_id", 2011768)
        .put("signature", "ET WEB_SERVER PHP tags in HTTP POST").put("category", "Web Application Attack");
    ObjectNode http = alert.putObject("http").put("hostname", "6.6.6.6").put("url", "/" + fake)
        .put("http_user_agent", "src_ip=6.6.6.6 src_port=1").put("src_ip", "6.6.6.6").put("src_port", 1);
    http.putArray("request_headers").addObject().put("name", "X-Forwarded-For").put("value", "6.6.6.6");
    alert.putObject("metadata").putArray("src_ip").add("6.6.6.6");

    Event e = event(MappingTest.run(suricata, alert.toString()));
    assertEquals("10.0.0.9", e.srcIp);
    assertEquals(5022, e.srcPort);
    assertEquals("10.10.1.10", e.dstIp);
    assertEquals(80, e.dstPort);
    assertEquals(2011768, e.pluginSid);
    assertEquals("ET WEB_SERVER PHP tags in HTTP POST", e.title);
  }

  @Test
  void suricataAlertsWithoutASourceAreRefusedNotFilledFromOtherFields() {
    ObjectNode alert = JSON.createObjectNode().put("timestamp", "2026-01-05T10:00:00.000000+0000")
        .put("event_type", "alert").put("dest_ip", "10.10.1.10").put("payload_printable", "src_ip=6.6.6.6");
    alert.putObject("alert").put("signature_id", 1);
    alert.putObject("http").put("src_ip", "6.6.6.6");
    Outcome o = MappingTest.run(suricata, alert.toString());
    assertTrue(!o.ok() && !o.skipped(), () -> o.ok() ? o.event().srcIp : o.reason());
    assertEquals("src_ip is empty", o.reason());
  }
}
