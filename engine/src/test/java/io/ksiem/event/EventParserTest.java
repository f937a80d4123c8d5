package io.ksiem.event;

import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** dsiem's intake rules (docs/dsiem-reference.md §2.2–2.3) plus RFC 3339 timestamps. */
class EventParserTest {
  private final EventParser parser = new EventParser();
  private static final String BASE =
      "\"event_id\":\"e1\",\"timestamp\":\"2026-01-05T10:00:00Z\",\"sensor\":\"s\",\"src_ip\":\"10.0.0.1\","
      + "\"dst_ip\":\"10.0.0.2\"";

  private String reason(String extra) {
    EventParser.Result r = parser.parse("{" + BASE + extra + "}");
    return r.ok() ? null : r.reason();
  }

  @Test
  void acceptsPluginOrTaxonomyEvents() {
    EventParser.Result r = parser.parse("{" + BASE + ",\"plugin_id\":1001,\"plugin_sid\":2,\"src_port\":5,"
        + "\"unknown\":{\"nested\":[1,2]},\"protocol\":null}");
    assertTrue(r.ok(), r.reason());
    assertEquals(1001, r.event().pluginId);
    assertEquals(5, r.event().srcPort);
    assertEquals("", r.event().protocol);
    assertEquals(1767607200L, r.event().time);
    assertEquals(null, reason(",\"product\":\"Firewall\",\"category\":\"Denied\""));
  }

  @Test
  void rejectsWrongJsonTypesAsGoDoes() {
    assertEquals("plugin_id must be an integer, not a string", reason(",\"plugin_id\":\"1001\",\"plugin_sid\":1"));
    assertEquals("src_port must be an integer, not a fraction", reason(",\"plugin_id\":1,\"plugin_sid\":1,\"src_port\":1.5"));
    assertEquals("sensor must be a string, not a number", parser.parse("{" + BASE.replace("\"sensor\":\"s\"",
        "\"sensor\":5") + "}").reason());
    assertEquals("plugin_sid is out of range", reason(",\"plugin_id\":1,\"plugin_sid\":99999999999"));
    assertTrue(parser.parse("not json").reason().startsWith("not JSON"));
    assertEquals("not a JSON object", parser.parse("[1,2]").reason());
    assertTrue(parser.parse("{" + BASE + ",\"plugin_id\":1,\"plugin_sid\":1} trailing").reason().startsWith("not JSON"));
  }

  @Test
  void rejectsInvalidEvents() {
    assertEquals("neither a plugin_id/plugin_sid pair nor product and category", reason(""));
    assertEquals("neither a plugin_id/plugin_sid pair nor product and category",
        reason(",\"plugin_id\":1,\"product\":\"Firewall\""));
    assertEquals("sensor is empty",
        parser.parse("{" + BASE.replace("\"sensor\":\"s\"", "\"sensor\":\"\"") + ",\"plugin_id\":1,\"plugin_sid\":1}")
            .reason());
  }

  @Test
  void rfc3339() {
    assertEquals(1767607200L, Rfc3339.toEpochSecond("2026-01-05T10:00:00Z"));
    assertEquals(1767607200L, Rfc3339.toEpochSecond("2026-01-05T17:00:00.999+07:00"), "second precision");
    assertEquals(1767607200L, Rfc3339.toEpochSecond("2026-01-05T09:30:00-00:30"));
    for (String bad : new String[] {"2024-01-01 00:00:00", "2026-01-05T10:00Z", "2026-01-05T10:00:00",
        "2026-02-30T10:00:00Z", "2026-01-05T24:00:00Z", "2026-01-05T10:00:00.Z", "2026-01-05t10:00:00Z",
        "2026-01-05T10:00:00+0700", ""}) {
      assertEquals(Rfc3339.INVALID, Rfc3339.toEpochSecond(bad), bad);
    }
    assertFalse(parser.parse("{" + BASE.replace("2026-01-05T10:00:00Z", "2026-01-05 10:00:00")
        + ",\"plugin_id\":1,\"plugin_sid\":1}").ok());
  }
}
