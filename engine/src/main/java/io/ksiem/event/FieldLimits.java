package io.ksiem.event;

/**
 * How long an event's text fields may be: {@link #MAX_CHARS} characters each. dsiem's fields are names, addresses,
 * titles and short custom data; a field of megabytes is an attack on memory, since a backlog keeps its events'
 * custom data and an alarm copies it, and a backlog or alarm larger than the broker's record limit could not be
 * written. With this bound and the engine's caps (docs/limits.md), neither can grow past that limit.
 */
public final class FieldLimits {
  public static final int MAX_CHARS = 4096;

  private FieldLimits() {
  }

  /** Why {@code e} is refused, or null when every field is within the bound. */
  public static String refusal(Event e) {
    String[][] fields = {{"event_id", e.eventId}, {"timestamp", e.timestamp}, {"title", e.title},
        {"sensor", e.sensor}, {"src_ip", e.srcIp}, {"dst_ip", e.dstIp}, {"protocol", e.protocol},
        {"product", e.product}, {"category", e.category}, {"subcategory", e.subcategory},
        {"custom_label1", e.customLabel1}, {"custom_label2", e.customLabel2}, {"custom_label3", e.customLabel3},
        {"custom_data1", e.customData1}, {"custom_data2", e.customData2}, {"custom_data3", e.customData3}};
    for (String[] f : fields) {
      if (f[1] != null && f[1].length() > MAX_CHARS) {
        return f[0] + " has " + f[1].length() + " characters, more than " + MAX_CHARS;
      }
    }
    return null;
  }
}
