package io.ksiem.alarm;


/** A link from an alarm to an event appended to one of its stages (docs/dsiem-reference.md §7.5). */
public record AlarmLink(String alarmId, int stage, String eventId) {
}
