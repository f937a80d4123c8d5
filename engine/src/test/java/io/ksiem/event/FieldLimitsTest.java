package io.ksiem.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class FieldLimitsTest {
  @Test
  void aFieldPastTheBoundIsNamed() {
    Event e = new Event();
    e.customData2 = "x".repeat(FieldLimits.MAX_CHARS);
    assertNull(FieldLimits.refusal(e));
    e.customData2 = "x".repeat(FieldLimits.MAX_CHARS + 1);
    assertEquals("custom_data2 has 4097 characters, more than 4096", FieldLimits.refusal(e));
    e.customData2 = "";
    e.title = "t".repeat(100_000);
    assertEquals("title has 100000 characters, more than 4096", FieldLimits.refusal(e));
  }
}
