package io.ksiem.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TimeBoundsTest {
  private static final long NOW_MS = Rfc3339.toEpochSecond("2026-12-02T12:00:00Z") * 1000 + 400;
  private final TimeBounds bounds = new TimeBounds(300);

  @Test
  void refusesBefore1970AndYearOne() {
    long t1969 = Rfc3339.toEpochSecond("1969-12-31T23:00:00Z");
    assertEquals(-3600, t1969);
    assertTrue(bounds.refusal(t1969, NOW_MS).contains("before 1970"));
    long year1 = Rfc3339.toEpochSecond("0001-01-01T00:00:00Z");
    assertTrue(year1 != Rfc3339.INVALID && year1 < 0, "year 1 parses to a negative time");
    assertNotNull(bounds.refusal(year1, NOW_MS));
    assertNull(bounds.refusal(0, NOW_MS), "1970-01-01T00:00:00Z itself is an event time");
  }

  @Test
  void refusesFarFutureButTakesTheMargin() {
    long now = NOW_MS / 1000;
    assertNull(bounds.refusal(now + 300, NOW_MS));
    String r = bounds.refusal(now + 301, NOW_MS);
    assertTrue(r.contains("301 s ahead"), r);
    long year9999 = Rfc3339.toEpochSecond("9999-12-31T23:59:59Z");
    assertNotNull(bounds.refusal(year9999, NOW_MS));
    assertNotNull(bounds.refusal(Rfc3339.toEpochSecond("2099-01-01T00:00:00Z"), NOW_MS));
    assertNull(bounds.refusal(Rfc3339.toEpochSecond("2020-01-01T00:00:00Z"), NOW_MS), "old logs are events");
  }
}
