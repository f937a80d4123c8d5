package io.ksiem.correlate;

import io.ksiem.alarm.AlarmLink;
import io.ksiem.alarm.AlarmSnapshot;
import io.ksiem.alarm.AlarmStage;
import io.ksiem.alarm.CustomDataEntry;
import io.ksiem.schemas.Alarm;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.AlarmRule;
import io.ksiem.schemas.CustomData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The engine's alarm snapshots and links as the Avro records of the alarms and alarm-events topics. */
final class AlarmRecords {
  private AlarmRecords() {
  }

  static Alarm toAvro(AlarmSnapshot a) {
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

  /** Back to the engine's alarm, whose JSON is dsiem's {@code siem_alarms} shape: for tests against the engine. */
  static AlarmSnapshot fromAvro(Alarm a) {
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

  static AlarmEvent toAvro(AlarmLink e) {
    return new AlarmEvent(e.alarmId(), e.stage(), e.eventId());
  }

  static AlarmLink fromAvro(AlarmEvent e) {
    return new AlarmLink(e.getAlarmId(), e.getStage(), e.getEventId());
  }
}
