package io.ksiem.event;

import java.time.DateTimeException;
import java.time.LocalDate;

/**
 * RFC 3339 timestamps ({@code 2026-01-05T10:00:00Z}, {@code ...T10:00:00.123+07:00}) to Unix seconds. Written by hand
 * because {@code DateTimeFormatter.ISO_OFFSET_DATE_TIME} also accepts what RFC 3339 forbids (no seconds, for one)
 * and costs about ten times as much on the per-event path.
 */
public final class Rfc3339 {
  /** Returned for text that is not RFC 3339. */
  public static final long INVALID = Long.MIN_VALUE;

  private Rfc3339() {
  }

  public static long toEpochSecond(String s) {
    int n = s.length();
    if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
        || s.charAt(16) != ':') {
      return INVALID;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
        || second > 59) {
      return INVALID;
    }
    int i = 19;
    if (i < n && s.charAt(i) == '.') {
      int start = ++i;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
      }
      if (i == start) {
        return INVALID;
      }
    }
    if (i >= n) {
      return INVALID;
    }
    int offset;
    char z = s.charAt(i);
    if (z == 'Z') {
      if (i + 1 != n) {
        return INVALID;
      }
      offset = 0;
    } else if (z == '+' || z == '-') {
      if (i + 6 != n || s.charAt(i + 3) != ':') {
        return INVALID;
      }
      int oh = digits(s, i + 1, 2);
      int om = digits(s, i + 4, 2);
      if (oh < 0 || oh > 23 || om < 0 || om > 59) {
        return INVALID;
      }
      offset = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
    } else {
      return INVALID;
    }
    long epochDay;
    try {
      epochDay = LocalDate.of(year, month, day).toEpochDay();
    } catch (DateTimeException e) {
      return INVALID;
    }
    return epochDay * 86400 + hour * 3600L + minute * 60L + second - offset;
  }

  private static int digits(String s, int from, int count) {
    int v = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
