package io.ksiem.alarm;


/** A {@code (custom_labelN, custom_dataN)} pair seen on a backlog's events. */
public record CustomDataEntry(String label, String content) {
}
