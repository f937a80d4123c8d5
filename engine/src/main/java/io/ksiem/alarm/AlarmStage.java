package io.ksiem.alarm;

import java.util.List;

/**
 * One stage as an alarm shows it (docs/dsiem-reference.md §7.4 {@code rules[]}), references resolved. Times are Unix
 * seconds, {@code rcvdTime} nanoseconds; zero and empty values are left out of the JSON.
 */
public record AlarmStage(String name, int stage, int pluginId, int[] pluginSid, List<String> product,
    String category, List<String> subcategory, int occurrence, String from, String to, String type,
    String portFrom, String portTo, String protocol, int reliability, int timeout, long startTime, long endTime,
    long rcvdTime, String status, String stickyDifferent, List<String> customData, List<String> customLabel) {
}
