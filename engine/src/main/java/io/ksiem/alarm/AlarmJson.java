package io.ksiem.alarm;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes alarms and alarm-event links in dsiem's JSON-lines shapes ({@code siem_alarms.json},
 * docs/dsiem-reference.md §7.4–7.5).
 */
public final class AlarmJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private AlarmJson() {
  }

  public static String toJson(AlarmSnapshot a) {
    StringWriter w = new StringWriter(512);
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      write(g, a);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  public static String toJson(AlarmLink e) {
    StringWriter w = new StringWriter(96);
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      g.writeStartObject();
      g.writeStringField("alarm_id", e.alarmId());
      g.writeNumberField("stage", e.stage());
      g.writeStringField("event_id", e.eventId());
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return w.toString();
  }

  public static void write(JsonGenerator g, AlarmSnapshot a) throws IOException {
    g.writeStartObject();
    g.writeStringField("alarm_id", a.alarmId());
    g.writeStringField("title", a.title());
    g.writeStringField("status", a.status());
    g.writeStringField("kingdom", a.kingdom());
    g.writeStringField("category", a.category());
    g.writeNumberField("created_time", a.createdTime());
    g.writeNumberField("update_time", a.updateTime());
    g.writeNumberField("risk", a.risk());
    g.writeStringField("risk_class", a.riskClass());
    g.writeStringField("tag", a.tag());
    strings(g, "src_ips", a.srcIps());
    strings(g, "dst_ips", a.dstIps());
    strings(g, "networks", a.networks());
    if (!a.customData().isEmpty()) {
      g.writeArrayFieldStart("custom_data");
      for (CustomDataEntry c : a.customData()) {
        g.writeStartObject();
        g.writeStringField("label", c.label());
        g.writeStringField("content", c.content());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    g.writeArrayFieldStart("rules");
    for (AlarmStage r : a.rules()) {
      rule(g, r);
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void rule(JsonGenerator g, AlarmStage r) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", r.name());
    g.writeNumberField("stage", r.stage());
    g.writeNumberField("plugin_id", r.pluginId());
    g.writeFieldName("plugin_sid");
    g.writeArray(r.pluginSid(), 0, r.pluginSid().length);
    if (!r.product().isEmpty()) {
      strings(g, "product", r.product());
    }
    optional(g, "category", r.category());
    if (!r.subcategory().isEmpty()) {
      strings(g, "subcategory", r.subcategory());
    }
    g.writeNumberField("occurrence", r.occurrence());
    g.writeStringField("from", r.from());
    g.writeStringField("to", r.to());
    g.writeStringField("type", r.type());
    g.writeStringField("port_from", r.portFrom());
    g.writeStringField("port_to", r.portTo());
    optional(g, "protocol", r.protocol());
    g.writeNumberField("reliability", r.reliability());
    g.writeNumberField("timeout", r.timeout());
    optional(g, "start_time", r.startTime());
    optional(g, "end_time", r.endTime());
    optional(g, "rcvd_time", r.rcvdTime());
    optional(g, "status", r.status());
    optional(g, "sticky_different", r.stickyDifferent());
    for (int k = 0; k < 3; k++) {
      optional(g, "custom_data" + (k + 1), r.customData().get(k));
      optional(g, "custom_label" + (k + 1), r.customLabel().get(k));
    }
    g.writeEndObject();
  }

  private static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
    g.writeArrayFieldStart(name);
    for (String s : values) {
      g.writeString(s);
    }
    g.writeEndArray();
  }

  private static void optional(JsonGenerator g, String name, String value) throws IOException {
    if (value != null && !value.isEmpty()) {
      g.writeStringField(name, value);
    }
  }

  private static void optional(JsonGenerator g, String name, long value) throws IOException {
    if (value != 0) {
      g.writeNumberField(name, value);
    }
  }
}
