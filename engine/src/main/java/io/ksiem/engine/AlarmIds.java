package io.ksiem.engine;

/** Alarm ids: 11 base62 characters of a 64-bit hash, about as long as dsiem's shortids. */
final class AlarmIds {
  private static final char[] DIGITS =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  private AlarmIds() {
  }

  static String base62(long h) {
    char[] out = new char[11];
    long v = h;
    for (int i = 10; i >= 0; i--) {
      out[i] = DIGITS[(int) Long.remainderUnsigned(v, 62)];
      v = Long.divideUnsigned(v, 62);
    }
    return new String(out);
  }
}
