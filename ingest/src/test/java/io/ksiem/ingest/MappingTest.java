package io.ksiem.ingest;

import io.ksiem.event.Event;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


class MappingTest {
  static List<String> lines(String name) throws IOException {
    return Files.readAllLines(Path.of("src/test/resources/raw/" + name));
  }

  static Outcome run(Normalizer n, String line) {
    return n.normalize(line.getBytes(StandardCharsets.UTF_8), "t/0/1");
  }

  @Test
  void suricataAlertsAreDsiemsPlugin1001() throws IOException {
    Mapping m = Mapping.builtIn("suricata");
    List<String> raw = lines("suricata.jsonl");
    Event e = run(m, raw.get(0)).event();
    assertEquals(1001, e.pluginId);
    assertEquals(2100384, e.pluginSid);
    assertEquals("GPL ICMP_INFO PING *NIX", e.title);
    assertEquals("2026-01-05T10:00:00.123456Z", e.timestamp);
    assertEquals(1767607200L, e.time);
    assertEquals("198.51.100.7", e.srcIp);
    assertEquals("10.10.1.10", e.dstIp);
    assertEquals("ids-1", e.sensor);
    assertEquals("ICMP", e.protocol);
    assertEquals("Misc activity", e.category);
    Outcome flow = run(m, raw.get(1));
    assertTrue(flow.skipped(), "non-alert EVE records are skipped, not dead letters");
    Event web = run(m, raw.get(2)).event();
    assertEquals("2026-01-05T10:00:00.500Z", web.timestamp, "offsets are converted to UTC");
    assertEquals(80, web.dstPort);
    assertEquals("suricata", web.sensor, "the default when host is missing");
    assertEquals(run(m, raw.get(2)).event().eventId, web.eventId, "generated ids are stable for a record");
    assertFalse(web.eventId.equals(m.normalize(raw.get(2).getBytes(StandardCharsets.UTF_8), "t/0/2").event().eventId));
  }

  @Test
  void opensshLinesBecomeAuthenticationEvents() throws IOException {
    Mapping m = Mapping.builtIn("openssh");
    List<String> raw = lines("openssh.jsonl");
    Event failed = run(m, raw.get(0)).event();
    assertEquals("OpenSSH", failed.product);
    assertEquals("Authentication", failed.category);
    assertEquals("Failed Password", failed.subcategory);
    assertEquals(4003, failed.pluginId);
    assertEquals(1, failed.pluginSid);
    assertEquals("203.0.113.50", failed.srcIp);
    assertEquals(50412, failed.srcPort);
    assertEquals("10.10.2.20", failed.dstIp);
    assertEquals(22, failed.dstPort);
    assertEquals("admin", failed.customData1);
    Event ok = run(m, raw.get(1)).event();
    assertEquals("Accepted Password", ok.subcategory);
    assertEquals(7, ok.pluginSid);
    assertEquals("deploy", ok.customData1);
    Event invalid = run(m, raw.get(2)).event();
    assertEquals("Invalid User", invalid.subcategory);
    assertEquals("oracle", invalid.customData1);
    assertTrue(run(m, raw.get(3)).skipped());
  }

  /** The whole event Filebeat 8's Kafka output writes for an auth.log line (docs/shippers.md). */
  @Test
  void filebeatsDefaultEventOfAnAuthLogLineIsReadAsIs() throws IOException {
    String filebeat = "{\"@timestamp\":\"2026-01-05T10:20:00.123Z\",\"@metadata\":{\"beat\":\"filebeat\","
        + "\"type\":\"_doc\",\"version\":\"8.19.0\"},\"log\":{\"offset\":1200,\"file\":{\"path\":"
        + "\"/var/log/auth.log\",\"device_id\":\"64769\",\"inode\":\"3146\"}},\"message\":\"Jan  5 10:20:00 "
        + "bastion sshd[4100]: Failed password for root from 203.0.113.50 port 40100 ssh2\",\"input\":{\"type\":"
        + "\"filestream\"},\"ecs\":{\"version\":\"8.0.0\"},\"host\":{\"name\":\"bastion\",\"hostname\":"
        + "\"bastion\",\"architecture\":\"x86_64\",\"ip\":[\"10.10.2.20\",\"fe80::1\"],\"mac\":"
        + "[\"52-54-00-12-34-56\"],\"os\":{\"family\":\"debian\"}},\"agent\":{\"type\":\"filebeat\","
        + "\"version\":\"8.19.0\"}}";
    Event e = run(Mapping.builtIn("openssh"), filebeat).event();
    assertEquals("203.0.113.50", e.srcIp);
    assertEquals(40100, e.srcPort);
    assertEquals("10.10.2.20", e.dstIp);
    assertEquals("2026-01-05T10:20:00Z", e.timestamp.substring(0, 19) + "Z");
    assertEquals("root", e.customData1);
  }

  @Test
  void recordsThatCannotBeNormalizedSayWhy() throws IOException {
    Mapping suricata = Mapping.builtIn("suricata");
    assertTrue(run(suricata, "{not json").reason().startsWith("not JSON"));
    assertEquals("not a JSON object", run(suricata, "[1,2]").reason());
    String badPort = "{\"timestamp\":\"2026-01-05T10:00:00.000000+0000\",\"event_type\":\"alert\",\"src_ip\":\"1.2.3.4\","
        + "\"dest_ip\":\"10.0.0.1\",\"dest_port\":\"http\",\"alert\":{\"signature_id\":1}}";
    assertEquals("dst_port: 'http' is not an integer", run(suricata, badPort).reason());
    String badTime = "{\"timestamp\":\"yesterday\",\"event_type\":\"alert\",\"src_ip\":\"1.2.3.4\","
        + "\"dest_ip\":\"10.0.0.1\",\"alert\":{\"signature_id\":1}}";
    assertTrue(run(suricata, badTime).reason().startsWith("timestamp: 'yesterday' does not have the format"));
    Mapping ssh = Mapping.builtIn("openssh");
    String noHostIp = "{\"@timestamp\":\"2026-01-05T10:05:00Z\",\"message\":\"Failed password for root from "
        + "203.0.113.50 port 1 ssh2\"}";
    assertEquals("dst_ip is empty", run(ssh, noHostIp).reason());
    Outcome dsiem = run(new DsiemNormalizer(), "{\"event_id\":\"x\",\"plugin_id\":\"1800\"}");
    assertFalse(dsiem.ok());
    assertFalse(dsiem.skipped());
  }

  @Test
  void aMappingFileIsCheckedWhenLoaded() {
    IOException e = assertThrows(IOException.class, () -> Mapping.load("x.json", new ByteArrayInputStream(
        "{\"source\":\"x\",\"fields\":{\"timestamp\":\"t\",\"src_ip\":\"s\",\"dst_ip\":\"d\",\"colour\":\"c\"}}"
            .getBytes(StandardCharsets.UTF_8))));
    assertEquals("x.json: \"colour\" is not a normalized event field", e.getMessage());
    e = assertThrows(IOException.class, () -> Mapping.load("y.json", new ByteArrayInputStream(
        "{\"source\":\"y\",\"fields\":{\"timestamp\":\"t\",\"src_ip\":\"s\"}}".getBytes(StandardCharsets.UTF_8))));
    assertEquals("y.json: field \"dst_ip\" has no mapping", e.getMessage());
    e = assertThrows(IOException.class, () -> Mapping.load("z.json", new ByteArrayInputStream(
        ("{\"source\":\"z\",\"parse\":[{\"regex\":\"(\"}],\"fields\":{\"timestamp\":\"t\",\"src_ip\":\"s\","
            + "\"dst_ip\":\"d\"}}").getBytes(StandardCharsets.UTF_8))));
    assertTrue(e.getMessage().startsWith("z.json: parse regex does not compile"), e.getMessage());
  }
}
