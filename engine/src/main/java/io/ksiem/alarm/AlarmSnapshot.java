package io.ksiem.alarm;

import java.util.List;

/**
 * A full alarm snapshot, as dsiem writes one line of {@code siem_alarms.json} (docs/dsiem-reference.md §7.4). Written
 * on every stage completion, expiry and always-active absorption, and only when {@code risk >= 1}.
 */
public record AlarmSnapshot(String alarmId, String title, String status, String tag, String kingdom, String category,
    long createdTime, long updateTime, int risk, String riskClass, List<String> srcIps, List<String> dstIps,
    List<String> networks, List<CustomDataEntry> customData, List<AlarmStage> rules, int directiveId) {
}
