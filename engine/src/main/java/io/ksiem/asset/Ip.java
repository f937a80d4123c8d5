package io.ksiem.asset;

/**
 * An IPv4 or IPv6 address held as two longs, so matching needs no {@code InetAddress} (which may resolve names).
 * IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) are treated as IPv4, as Go's {@code net.IP.To4} does.
 */
public final class Ip {
  final boolean v6;
  final long hi;
  final long lo;
  /** Parsed from dotted-quad text, the one text an IPv4 address has (not {@code ::ffff:a.b.c.d}). */
  private final boolean dottedQuad;

  Ip(boolean v6, long hi, long lo) {
    this(v6, hi, lo, false);
  }

  private Ip(boolean v6, long hi, long lo, boolean dottedQuad) {
    this.v6 = v6;
    this.hi = hi;
    this.lo = lo;
    this.dottedQuad = dottedQuad;
  }

  /** The IPv4 value when this address was written as a dotted quad, else -1: then equal values mean equal text. */
  public long dottedQuad() {
    return dottedQuad ? lo : -1;
  }

  public boolean isV6() {
    return v6;
  }

  /** The IPv4 address as an unsigned int in a long, or -1 for IPv6. */
  public long v4() {
    return v6 ? -1 : lo;
  }

  /**
   * A 64-bit key: exact for IPv4 (below 2^32), a hash with the top bit set for IPv6, so equal keys mean equal
   * addresses or, rarely, two IPv6 addresses that collide. Good for indexes that narrow, not for identity.
   */
  public long key() {
    if (!v6) {
      return lo;
    }
    long h = hi * 0x9E3779B97F4A7C15L ^ lo;
    h ^= h >>> 31;
    h *= 0xbf58476d1ce4e5b9L;
    return (h ^ (h >>> 29)) | Long.MIN_VALUE;
  }

  /** Parses an address literal; returns null when the text is not one (never throws, never resolves names). */
  public static Ip parse(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    if (s.indexOf(':') < 0) {
      long v = parseV4(s, 0, s.length());
      return v < 0 ? null : new Ip(false, 0, v, true);
    }
    return parseV6(s);
  }

  /** Returns the IPv4 value as an unsigned int in a long, or -1. Rejects leading zeros as Go 1.17+ does. */
  static long parseV4(String s, int from, int to) {
    long value = 0;
    int octets = 0;
    int i = from;
    while (i < to) {
      int start = i;
      int octet = 0;
      while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        octet = octet * 10 + (s.charAt(i) - '0');
        i++;
        if (i - start > 3) {
          return -1;
        }
      }
      int len = i - start;
      if (len == 0 || octet > 255 || (len > 1 && s.charAt(start) == '0')) {
        return -1;
      }
      value = (value << 8) | octet;
      octets++;
      if (i < to) {
        if (s.charAt(i) != '.' || octets == 4) {
          return -1;
        }
        i++;
        if (i == to) {
          return -1;
        }
      }
    }
    return octets == 4 ? value : -1;
  }

  private static Ip parseV6(String s) {
    int[] groups = new int[8];
    int n = 0;
    int gap = -1;
    int i = 0;
    int len = s.length();
    if (s.startsWith("::")) {
      gap = 0;
      i = 2;
      if (len == 2) {
        return new Ip(true, 0, 0);
      }
    } else if (s.charAt(0) == ':') {
      return null;
    }
    while (i < len) {
      int start = i;
      int v = 0;
      while (i < len && Character.digit(s.charAt(i), 16) >= 0) {
        v = (v << 4) | Character.digit(s.charAt(i), 16);
        i++;
        if (i - start > 4) {
          break;
        }
      }
      if (i < len && s.charAt(i) == '.') {
        // embedded IPv4 in the last 32 bits
        long v4 = parseV4(s, start, len);
        if (v4 < 0 || n > 6) {
          return null;
        }
        groups[n++] = (int) (v4 >>> 16);
        groups[n++] = (int) (v4 & 0xffff);
        i = len;
        break;
      }
      if (i - start == 0 || i - start > 4 || n == 8) {
        return null;
      }
      groups[n++] = v;
      if (i == len) {
        break;
      }
      if (s.charAt(i) != ':') {
        return null;
      }
      i++;
      if (i < len && s.charAt(i) == ':') {
        if (gap >= 0) {
          return null;
        }
        gap = n;
        i++;
        if (i == len) {
          break;
        }
      } else if (i == len) {
        return null;
      }
    }
    int[] full = new int[8];
    if (gap >= 0) {
      if (n == 8) {
        return null;
      }
      int tail = n - gap;
      System.arraycopy(groups, 0, full, 0, gap);
      System.arraycopy(groups, gap, full, 8 - tail, tail);
    } else {
      if (n != 8) {
        return null;
      }
      full = groups;
    }
    long hi = 0;
    long lo = 0;
    for (int k = 0; k < 4; k++) {
      hi = (hi << 16) | full[k];
      lo = (lo << 16) | full[k + 4];
    }
    if (hi == 0 && (lo >>> 32) == 0xffffL) {
      return new Ip(false, 0, lo & 0xffffffffL);
    }
    return new Ip(true, hi, lo);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ip && ((Ip) o).v6 == v6 && ((Ip) o).hi == hi && ((Ip) o).lo == lo;
  }

  @Override
  public int hashCode() {
    long h = hi * 0x9E3779B97F4A7C15L + lo;
    return (int) (h ^ (h >>> 32)) + (v6 ? 1 : 0);
  }

  @Override
  public String toString() {
    if (!v6) {
      return ((lo >>> 24) & 255) + "." + ((lo >>> 16) & 255) + "." + ((lo >>> 8) & 255) + "." + (lo & 255);
    }
    int[] g = new int[8];
    for (int k = 0; k < 8; k++) {
      long word = k < 4 ? hi : lo;
      g[k] = (int) ((word >>> (48 - 16 * (k % 4))) & 0xffff);
    }
    // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on a tie
    int bestStart = -1;
    int bestLen = 1;
    for (int k = 0; k < 8; ) {
      if (g[k] != 0) {
        k++;
        continue;
      }
      int start = k;
      while (k < 8 && g[k] == 0) {
        k++;
      }
      if (k - start > bestLen) {
        bestStart = start;
        bestLen = k - start;
      }
    }
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < 8; k++) {
      if (k == bestStart) {
        b.append("::");
        k += bestLen - 1;
        continue;
      }
      if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
        b.append(':');
      }
      b.append(Integer.toHexString(g[k]));
    }
    return b.toString();
  }
}
