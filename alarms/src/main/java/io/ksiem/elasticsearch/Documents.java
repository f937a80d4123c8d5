package io.ksiem.elasticsearch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.schemas.Alarm;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.AlarmRule;
import io.ksiem.schemas.CustomData;
import io.ksiem.schemas.NormalizedEvent;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The Elasticsearch documents of ksiem's records, straight from their Avro form, in the shapes dsiem's Logstash
 * pipeline writes: an alarm snapshot to {@code siem_alarms} (the fields of dsiem's {@code siem_alarms.json},
 * docs/dsiem-reference.md §7.4, plus {@code directive_id}), an alarm-event link to
 * {@code siem_alarm_events-YYYY.MM.DD}
 * (§7.5) and a normalized event to {@code siem_events-YYYY.MM.DD}. Each carries {@code @timestamp}, which dsiem's
 * dashboards chart and sort on.
 */
public final class Documents {
  public static final String ALARMS_INDEX = "siem_alarms";
  public static final String ALARM_EVENTS_PREFIX = "siem_alarm_events-";
  public static final String EVENTS_PREFIX = "siem_events-";
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);
  private static final ObjectMapper JSON = new ObjectMapper();

  private Documents() {
  }

  /** The daily index of a link or an event written at {@code timestampMillis}. */
  static String daily(String prefix, long timestampMillis) {
    return prefix + DAY.format(Instant.ofEpochMilli(timestampMillis));
  }

  /**
   * An alarm snapshot as dsiem writes it: empty optional fields (a rule's {@code protocol}, {@code start_time} 0,
   * an empty {@code product} list, no custom data) are left out, as dsiem's JSON leaves them out.
   */
  public static ObjectNode alarm(Alarm a) {
    ObjectNode d = JSON.createObjectNode();
    d.put("alarm_id", a.getAlarmId());
    d.put("title", a.getTitle());
    d.put("status", a.getStatus());
    d.put("kingdom", a.getKingdom());
    d.put("category", a.getCategory());
    d.put("created_time", a.getCreatedTime());
    d.put("update_time", a.getUpdateTime());
    d.put("risk", a.getRisk());
    d.put("risk_class", a.getRiskClass());
    d.put("tag", a.getTag());
    strings(d, "src_ips", a.getSrcIps());
    strings(d, "dst_ips", a.getDstIps());
    strings(d, "networks", a.getNetworks());
    if (!a.getCustomData().isEmpty()) {
      ArrayNode cd = d.putArray("custom_data");
      for (CustomData c : a.getCustomData()) {
        cd.addObject().put("label", c.getLabel()).put("content", c.getContent());
      }
    }
    ArrayNode rules = d.putArray("rules");
    for (AlarmRule r : a.getRules()) {
      rule(rules.addObject(), r);
    }
    d.put("directive_id", a.getDirectiveId());
    d.put("@timestamp", Instant.ofEpochSecond(a.getUpdateTime()).toString());
    return d;
  }

  private static void rule(ObjectNode d, AlarmRule r) {
    d.put("name", r.getName());
    d.put("stage", r.getStage());
    d.put("plugin_id", r.getPluginId());
    ArrayNode sids = d.putArray("plugin_sid");
    r.getPluginSid().forEach(sids::add);
    if (!r.getProduct().isEmpty()) {
      strings(d, "product", r.getProduct());
    }
    optional(d, "category", r.getCategory());
    if (!r.getSubcategory().isEmpty()) {
      strings(d, "subcategory", r.getSubcategory());
    }
    d.put("occurrence", r.getOccurrence());
    d.put("from", r.getFrom());
    d.put("to", r.getTo());
    d.put("type", r.getType());
    d.put("port_from", r.getPortFrom());
    d.put("port_to", r.getPortTo());
    optional(d, "protocol", r.getProtocol());
    d.put("reliability", r.getReliability());
    d.put("timeout", r.getTimeout());
    optional(d, "start_time", r.getStartTime());
    optional(d, "end_time", r.getEndTime());
    optional(d, "rcvd_time", r.getRcvdTime());
    optional(d, "status", r.getStatus());
    optional(d, "sticky_different", r.getStickyDifferent());
    optional(d, "custom_data1", r.getCustomData1());
    optional(d, "custom_label1", r.getCustomLabel1());
    optional(d, "custom_data2", r.getCustomData2());
    optional(d, "custom_label2", r.getCustomLabel2());
    optional(d, "custom_data3", r.getCustomData3());
    optional(d, "custom_label3", r.getCustomLabel3());
  }

  /** A link, dated by its record's timestamp (the time correlate wrote it). */
  public static ObjectNode link(AlarmEvent l, long timestampMillis) {
    ObjectNode d = JSON.createObjectNode();
    d.put("alarm_id", l.getAlarmId()).put("stage", l.getStage()).put("event_id", l.getEventId());
    d.put("@timestamp", Instant.ofEpochMilli(timestampMillis).toString());
    return d;
  }

  /** An event with its Avro field names; times in epoch ms, empty strings left out. */
  public static ObjectNode event(NormalizedEvent e) {
    ObjectNode d = JSON.createObjectNode();
    for (Schema.Field f : e.getSchema().getFields()) {
      Object v = e.get(f.pos());
      if (v instanceof Instant i) {
        d.put(f.name(), i.toEpochMilli());
      } else if (v instanceof Integer n) {
        d.put(f.name(), n);
      } else if (v instanceof Long n) {
        d.put(f.name(), n);
      } else if (v != null && !v.toString().isEmpty()) {
        d.put(f.name(), v.toString());
      }
    }
    d.put("@timestamp", e.getTimestamp());
    return d;
  }

  private static void strings(ObjectNode d, String name, List<String> values) {
    ArrayNode a = d.putArray(name);
    values.forEach(a::add);
  }

  private static void optional(ObjectNode d, String name, String value) {
    if (value != null && !value.isEmpty()) {
      d.put(name, value);
    }
  }

  private static void optional(ObjectNode d, String name, long value) {
    if (value != 0) {
      d.put(name, value);
    }
  }
}
