package io.ksiem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksiem.cli.AppConfig.Key;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppConfigTest {
  @Test
  void environmentOverridesTheFileWhichOverridesDefaults() throws Exception {
    Path f = Files.createTempFile("ksiem", ".properties");
    Files.writeString(f, "bootstrap.servers=kafka-1:9092\npartitions=12\n");
    AppConfig c = new AppConfig(f, Map.of("KSIEM_PARTITIONS", "24"));
    assertEquals("kafka-1:9092", c.get(Key.BOOTSTRAP_SERVERS));
    assertEquals(24, c.integer(Key.PARTITIONS));
    assertEquals("ksiem.", c.get(Key.TOPIC_PREFIX));
  }

  @Test
  void aMistypedSettingIsAnErrorNamingIt() throws Exception {
    Path f = Files.createTempFile("ksiem", ".properties");
    Files.writeString(f, "bootstrap.server=kafka-1:9092\n");
    var e = assertThrows(IllegalArgumentException.class, () -> new AppConfig(f, Map.of()));
    assertTrue(e.getMessage().contains("bootstrap.server"), e.getMessage());
    AppConfig c = new AppConfig(null, Map.of("KSIEM_EXACTLY_ONCE", "yes"));
    var b = assertThrows(IllegalArgumentException.class, () -> c.bool(Key.EXACTLY_ONCE));
    assertTrue(b.getMessage().contains("KSIEM_EXACTLY_ONCE"), b.getMessage());
  }

  @Test
  void dsiemCorrelationOptionsReachTheEngineWithDsiemsChecks() throws Exception {
    AppConfig c = new AppConfig(null, Map.of("KSIEM_MED_RISK_MIN", "2", "KSIEM_MED_RISK_MAX", "8",
        "KSIEM_ALARM_TAG", "Valid Threat", "KSIEM_MIN_ALARM_LIFETIME", "5"));
    assertEquals(new io.ksiem.engine.EngineOptions(2, 8, "Open", "Valid Threat", 5), c.engineOptions());
    var e = assertThrows(IllegalArgumentException.class,
        () -> new AppConfig(null, Map.of("KSIEM_MED_RISK_MIN", "6")).engineOptions());
    assertTrue(e.getMessage().contains("must differ"), e.getMessage());
  }

  @Test
  void mappingFilesAddSourcesAndReplaceBuiltInOnes() throws Exception {
    Path dir = Files.createTempDirectory("mappings");
    String openssh;
    try (var in = io.ksiem.ingest.Mapping.class.getResourceAsStream("/mappings/openssh.json")) {
      openssh = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Files.writeString(dir.resolve("myapp.json"), openssh.replaceFirst("\"source\": *\"openssh\"",
        "\"source\": \"myapp\""));
    Files.writeString(dir.resolve("suricata.json"), openssh.replaceFirst("\"source\": *\"openssh\"",
        "\"source\": \"suricata\""));
    AppConfig c = new AppConfig(null, Map.of("KSIEM_MAPPINGS", dir.toString()));
    var sources = c.sources();
    assertEquals(java.util.List.of("dsiem", "suricata", "openssh", "myapp"),
        sources.stream().map(io.ksiem.ingest.Normalizer::source).toList());
    byte[] sshd = ("{\"@timestamp\":\"2026-01-05T10:20:00Z\",\"message\":\"sshd[1]: Failed password for root "
        + "from 203.0.113.50 port 40100 ssh2\",\"host\":{\"name\":\"b\",\"ip\":[\"10.10.2.20\"]}}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i : new int[] {1, 3}) {
      assertEquals("203.0.113.50", sources.get(i).normalize(sshd, "t/0/0").event().srcIp,
          sources.get(i).source() + " reads sshd lines: the file replaced the built-in suricata mapping");
    }
    Files.writeString(dir.resolve("broken.json"), "{\"source\": \"x\"}");
    var e = assertThrows(io.ksiem.ingest.Mapping.InvalidMappingException.class, c::sources);
    assertTrue(e.getMessage().contains("broken.json"), e.getMessage());
  }

  /** docs/settings.md lists every setting as the code has it. */
  @Test
  void theSettingsReferenceIsCurrent() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "settings.md"));
    assertTrue(doc.contains(AppConfig.reference()), "docs/settings.md is stale; its table must be:\n"
        + AppConfig.reference());
  }
}
