package io.ksiem.runtime;

import io.ksiem.alarm.AlarmLink;
import io.ksiem.alarm.AlarmSnapshot;
import io.ksiem.alarm.AlarmStage;
import io.ksiem.alarm.CustomDataEntry;
import io.ksiem.event.Event;
import io.ksiem.event.EventParser;
import io.ksiem.schemas.Alarm;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.AlarmRule;
import io.ksiem.schemas.CustomData;
import io.ksiem.schemas.NormalizedEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Between the engine's types and the Avro records of the topics. */
public final class AvroRecords {
  private AvroRecords() {
  }

  /** The engine's event, validated (reference §2.2 and an RFC 3339 time); the reason when it is not valid. */
  public static EventParser.Result toEngine(NormalizedEvent a) {
    Event e = new Event();
    e.eventId = a.getEventId();
    e.timestamp = a.getTimestamp();
    e.title = a.getTitle();
    e.sensor = a.getSensor();
    e.srcIp = a.getSrcIp();
    e.dstIp = a.getDstIp();
    e.srcPort = a.getSrcPort();
    e.dstPort = a.getDstPort();
    e.protocol = a.getProtocol();
    e.pluginId = a.getPluginId();
    e.pluginSid = a.getPluginSid();
    e.product = a.getProduct();
    e.category = a.getCategory();
    e.subcategory = a.getSubcategory();
    e.customLabel1 = a.getCustomLabel1();
    e.customLabel2 = a.getCustomLabel2();
    e.customLabel3 = a.getCustomLabel3();
    e.customData1 = a.getCustomData1();
    e.customData2 = a.getCustomData2();
    e.customData3 = a.getCustomData3();
    e.rcvdTime = a.getReceivedAt() == null ? 0 : a.getReceivedAt().toEpochMilli() * 1_000_000L;
    return EventParser.validate(e);
  }

  public static NormalizedEvent toAvro(Event e, long receivedAtMillis, String source) {
    return io.ksiem.schemas.NormalizedEvent.newBuilder()
        .setEventId(e.eventId).setTimestamp(e.timestamp).setTitle(e.title).setSensor(e.sensor)
        .setSrcIp(e.srcIp).setDstIp(e.dstIp).setSrcPort(e.srcPort).setDstPort(e.dstPort).setProtocol(e.protocol)
        .setPluginId(e.pluginId).setPluginSid(e.pluginSid).setProduct(e.product).setCategory(e.category)
        .setSubcategory(e.subcategory)
        .setCustomLabel1(e.customLabel1).setCustomLabel2(e.customLabel2).setCustomLabel3(e.customLabel3)
        .setCustomData1(e.customData1).setCustomData2(e.customData2).setCustomData3(e.customData3)
        .setReceivedAt(java.time.Instant.ofEpochMilli(receivedAtMillis)).setSource(source)
        .build();
  }

  public static Alarm toAvro(AlarmSnapshot a) {
    List<CustomData> cd = new ArrayList<>();
    for (CustomDataEntry c : a.customData()) {
      cd.add(new CustomData(c.label(), c.content()));
    }
    List<AlarmRule> rules = new ArrayList<>();
    for (AlarmStage r : a.rules()) {
      List<Integer> sids = new ArrayList<>();
      for (int sid : r.pluginSid()) {
        sids.add(sid);
      }
      rules.add(io.ksiem.schemas.AlarmRule.newBuilder()
          .setName(r.name()).setStage(r.stage()).setPluginId(r.pluginId()).setPluginSid(sids)
          .setProduct(r.product()).setCategory(r.category()).setSubcategory(r.subcategory())
          .setOccurrence(r.occurrence()).setFrom(r.from()).setTo(r.to()).setType(r.type())
          .setPortFrom(r.portFrom()).setPortTo(r.portTo()).setProtocol(r.protocol())
          .setReliability(r.reliability()).setTimeout(r.timeout()).setStartTime(r.startTime())
          .setEndTime(r.endTime()).setRcvdTime(r.rcvdTime()).setStatus(r.status())
          .setStickyDifferent(r.stickyDifferent())
          .setCustomData1(r.customData().get(0)).setCustomData2(r.customData().get(1))
          .setCustomData3(r.customData().get(2))
          .setCustomLabel1(r.customLabel().get(0)).setCustomLabel2(r.customLabel().get(1))
          .setCustomLabel3(r.customLabel().get(2))
          .build());
    }
    return io.ksiem.schemas.Alarm.newBuilder()
        .setAlarmId(a.alarmId()).setTitle(a.title()).setStatus(a.status()).setTag(a.tag())
        .setKingdom(a.kingdom()).setCategory(a.category()).setCreatedTime(a.createdTime())
        .setUpdateTime(a.updateTime()).setRisk(a.risk()).setRiskClass(a.riskClass())
        .setSrcIps(a.srcIps()).setDstIps(a.dstIps()).setNetworks(a.networks()).setCustomData(cd)
        .setRules(rules).setDirectiveId(a.directiveId())
        .build();
  }

  /** Back to the engine's alarm, whose JSON is dsiem's {@code siem_alarms} shape. */
  public static AlarmSnapshot fromAvro(Alarm a) {
    List<CustomDataEntry> cd = new ArrayList<>();
    for (CustomData c : a.getCustomData()) {
      cd.add(new CustomDataEntry(c.getLabel(), c.getContent()));
    }
    List<AlarmStage> rules = new ArrayList<>();
    for (AlarmRule r : a.getRules()) {
      rules.add(new AlarmStage(r.getName(), r.getStage(), r.getPluginId(),
          r.getPluginSid().stream().mapToInt(Integer::intValue).toArray(), r.getProduct(), r.getCategory(),
          r.getSubcategory(), r.getOccurrence(), r.getFrom(), r.getTo(), r.getType(), r.getPortFrom(),
          r.getPortTo(), r.getProtocol(), r.getReliability(), r.getTimeout(), r.getStartTime(), r.getEndTime(),
          r.getRcvdTime(), r.getStatus(), r.getStickyDifferent(),
          Arrays.asList(r.getCustomData1(), r.getCustomData2(), r.getCustomData3()),
          Arrays.asList(r.getCustomLabel1(), r.getCustomLabel2(), r.getCustomLabel3())));
    }
    return new AlarmSnapshot(a.getAlarmId(), a.getTitle(), a.getStatus(), a.getTag(), a.getKingdom(), a.getCategory(),
        a.getCreatedTime(), a.getUpdateTime(), a.getRisk(), a.getRiskClass(), a.getSrcIps(), a.getDstIps(),
        a.getNetworks(), cd, rules, a.getDirectiveId());
  }

  public static AlarmEvent toAvro(AlarmLink e) {
    return new AlarmEvent(e.alarmId(), e.stage(), e.eventId());
  }

  public static AlarmLink fromAvro(AlarmEvent e) {
    return new AlarmLink(e.getAlarmId(), e.getStage(), e.getEventId());
  }
}
