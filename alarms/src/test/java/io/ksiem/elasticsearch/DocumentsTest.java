package io.ksiem.elasticsearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.alarm.AlarmJson;
import io.ksiem.alarm.AlarmSnapshot;
import io.ksiem.alarm.AlarmStage;
import io.ksiem.alarm.CustomDataEntry;
import io.ksiem.schemas.Alarm;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.AlarmRule;
import io.ksiem.schemas.CustomData;
import io.ksiem.schemas.NormalizedEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Elasticsearch documents, made from the Avro records with no engine object between. */
class DocumentsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static AlarmRule.Builder rule(int stage) {
    return AlarmRule.newBuilder().setName("stage " + stage).setStage(stage).setPluginId(4001)
        .setPluginSid(List.of(1, 2)).setOccurrence(stage == 1 ? 1 : 10).setFrom("203.0.113.9")
        .setTo("192.168.1.10").setType("PluginRule").setPortFrom("ANY").setPortTo("22").setReliability(stage)
        .setTimeout(stage == 1 ? 0 : 600);
  }

  private static Alarm alarm(List<AlarmRule> rules, List<CustomData> cd) {
    return Alarm.newBuilder().setAlarmId("a1").setTitle("SSH brute force").setStatus("Open")
        .setTag("Identified Threat").setKingdom("Delivery & Attack").setCategory("Brute Force")
        .setCreatedTime(1767607200L).setUpdateTime(1767607260L).setRisk(2).setRiskClass("Low")
        .setSrcIps(List.of("203.0.113.9")).setDstIps(List.of("192.168.1.10")).setNetworks(List.of("192.168.0.0/16"))
        .setCustomData(cd).setRules(rules).setDirectiveId(1001).build();
  }

  @Test
  void anAlarmHasDsiemsFieldsItsDirectiveAndTimestamp() throws Exception {
    Alarm a = alarm(List.of(rule(1).setStartTime(1767607200L).setEndTime(1767607200L).setStatus("finished")
        .build(), rule(2).build()), List.of());
    JsonNode expected = JSON.readTree("""
        {"alarm_id":"a1","title":"SSH brute force","status":"Open","kingdom":"Delivery & Attack",
         "category":"Brute Force","created_time":1767607200,"update_time":1767607260,"risk":2,"risk_class":"Low",
         "tag":"Identified Threat","src_ips":["203.0.113.9"],"dst_ips":["192.168.1.10"],
         "networks":["192.168.0.0/16"],
         "rules":[
          {"name":"stage 1","stage":1,"plugin_id":4001,"plugin_sid":[1,2],"occurrence":1,"from":"203.0.113.9",
           "to":"192.168.1.10","type":"PluginRule","port_from":"ANY","port_to":"22","reliability":1,"timeout":0,
           "start_time":1767607200,"end_time":1767607200,"status":"finished"},
          {"name":"stage 2","stage":2,"plugin_id":4001,"plugin_sid":[1,2],"occurrence":10,"from":"203.0.113.9",
           "to":"192.168.1.10","type":"PluginRule","port_from":"ANY","port_to":"22","reliability":2,"timeout":600}],
         "directive_id":1001,"@timestamp":"2026-01-05T10:01:00Z"}""");
    ObjectNode doc = Documents.alarm(a);
    // compared as JSON text: the tree of a long 2 and the tree of a parsed 2 differ in node type only
    assertEquals(expected, JSON.readTree(doc.toString()));
    // field order as dsiem writes it, for anyone reading the raw documents
    assertEquals(List.of("alarm_id", "title", "status", "kingdom", "category", "created_time", "update_time",
        "risk", "risk_class", "tag", "src_ips", "dst_ips", "networks", "rules", "directive_id", "@timestamp"),
        iterable(doc.fieldNames()));
  }

  /** The document is the engine's own JSON of the same alarm (what `ksiem replay` writes), plus two fields. */
  @Test
  void anAlarmDocumentIsTheEnginesJsonOfTheSameAlarm() throws Exception {
    AlarmRule avroRule = rule(2).setProduct(List.of("p1", "p2")).setCategory("c").setSubcategory(List.of("s"))
        .setProtocol("TCP").setStartTime(10).setEndTime(20).setRcvdTime(30).setStatus("active")
        .setStickyDifferent("SRC_IP").setCustomData1("d1").setCustomData3("d3").setCustomLabel2("l2").build();
    Alarm a = alarm(List.of(avroRule), List.of(new CustomData("user", "root")));
    AlarmSnapshot engine = new AlarmSnapshot("a1", "SSH brute force", "Open", "Identified Threat",
        "Delivery & Attack", "Brute Force", 1767607200L, 1767607260L, 2, "Low", List.of("203.0.113.9"),
        List.of("192.168.1.10"), List.of("192.168.0.0/16"), List.of(new CustomDataEntry("user", "root")),
        List.of(new AlarmStage("stage 2", 2, 4001, new int[] {1, 2}, List.of("p1", "p2"), "c", List.of("s"), 10,
            "203.0.113.9", "192.168.1.10", "PluginRule", "ANY", "22", "TCP", 2, 600, 10, 20, 30, "active",
            "SRC_IP", List.of("d1", "", "d3"), List.of("", "l2", ""))), 1001);
    ObjectNode doc = Documents.alarm(a);
    assertEquals("1001", doc.remove("directive_id").asText());
    assertEquals("2026-01-05T10:01:00Z", doc.remove("@timestamp").asText());
    // the same text, field order included
    assertEquals(AlarmJson.toJson(engine), doc.toString());
  }

  @Test
  void aLinkIsDatedByItsRecord() {
    ObjectNode doc = Documents.link(new AlarmEvent("a1", 2, "e7"), 1767607261500L);
    assertEquals("{\"alarm_id\":\"a1\",\"stage\":2,\"event_id\":\"e7\",\"@timestamp\":\"2026-01-05T10:01:01.500Z\"}",
        doc.toString());
    assertEquals("siem_alarm_events-2026.01.05", Documents.daily(Documents.ALARM_EVENTS_PREFIX, 1767607261500L));
  }

  @Test
  void anEventKeepsItsAvroFieldNamesAndLeavesOutEmptyOnes() {
    NormalizedEvent e = NormalizedEvent.newBuilder().setEventId("e7").setTimestamp("2026-01-05T10:01:01Z")
        .setSensor("bastion").setSrcIp("203.0.113.9").setDstIp("192.168.1.10").setSrcPort(51000).setDstPort(22)
        .setPluginId(4001).setPluginSid(1).setReceivedAt(Instant.ofEpochMilli(1767607262000L)).setSource("http")
        .build();
    ObjectNode doc = Documents.event(e);
    assertEquals("e7", doc.get("event_id").asText());
    assertEquals(51000, doc.get("src_port").asInt());
    assertEquals(1767607262000L, doc.get("received_at").asLong());
    assertEquals("2026-01-05T10:01:01Z", doc.get("@timestamp").asText());
    assertEquals("http", doc.get("source").asText());
    // empty strings are absent, not ""
    assertFalse(doc.has("title"));
    assertFalse(doc.has("custom_data1"));
    assertEquals("siem_events-2026.01.05", Documents.daily(Documents.EVENTS_PREFIX, 1767607261000L));
  }

  private static List<String> iterable(java.util.Iterator<String> it) {
    List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
