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

  /** docs/settings.md lists every setting as the code has it. */
  @Test
  void theSettingsReferenceIsCurrent() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "settings.md"));
    assertTrue(doc.contains(AppConfig.reference()), "docs/settings.md is stale; its table must be:\n"
        + AppConfig.reference());
  }
}
