package io.ksiem.asset;

/** An address prefix. A bare address is a host prefix: /32 for IPv4 and /128 for IPv6 (D6). */
public final class Cidr {
  private final boolean v6;
  private final long hi;
  private final long lo;
  private final long maskHi;
  private final long maskLo;
  private final int bits;
  private final String text;

  private Cidr(Ip net, int bits, String text) {
    this.v6 = net.v6;
    this.bits = bits;
    int total = v6 ? 128 : 32;
    int hiBits = v6 ? Math.min(bits, 64) : 0;
    int loBits = v6 ? Math.max(bits - 64, 0) : bits;
    int loWidth = v6 ? 64 : 32;
    this.maskHi = hiBits == 0 ? 0 : -1L << (64 - hiBits);
    long m = loBits == 0 ? 0 : (-1L << (loWidth - loBits));
    this.maskLo = v6 ? m : m & 0xffffffffL;
    this.hi = net.hi & maskHi;
    this.lo = net.lo & maskLo;
    this.text = text;
    assert bits <= total;
  }

  /** The host prefix of an address (/32 or /128). */
  public static Cidr host(Ip ip, String text) {
    return new Cidr(ip, ip.v6 ? 128 : 32, text);
  }

  /** Parses {@code a.b.c.d/n}, {@code x::y/n}, or a bare address; returns null when invalid. */
  public static Cidr parse(String s) {
    if (s == null) {
      return null;
    }
    int slash = s.indexOf('/');
    if (slash < 0) {
      Ip ip = Ip.parse(s);
      return ip == null ? null : new Cidr(ip, ip.v6 ? 128 : 32, s);
    }
    Ip ip = Ip.parse(s.substring(0, slash));
    if (ip == null) {
      return null;
    }
    String b = s.substring(slash + 1);
    if (b.isEmpty() || b.length() > 3 || !b.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    int bits = Integer.parseInt(b);
    // an IPv4-mapped address written with an IPv6 prefix length counts from the IPv6 width, as in Go
    boolean mappedWritten = !ip.v6 && s.indexOf(':') >= 0;
    if (mappedWritten) {
      if (bits < 96 || bits > 128) {
        return null;
      }
      bits -= 96;
    }
    if (bits > (ip.v6 ? 128 : 32)) {
      return null;
    }
    return new Cidr(ip, bits, s);
  }

  public boolean contains(Ip ip) {
    return ip != null && ip.v6 == v6 && (ip.hi & maskHi) == hi && (ip.lo & maskLo) == lo;
  }

  /** A /32 or /128: a single host. */
  public boolean isHost() {
    return bits == (v6 ? 128 : 32);
  }

  /** The address of a host prefix (meaningful when {@link #isHost()}). */
  public Ip address() {
    return new Ip(v6, hi, lo);
  }

  public int bits() {
    return bits;
  }

  /** The text as written in the directive or asset file. */
  public String text() {
    return text;
  }

  /** The canonical form, network address and prefix length, as Go's {@code IPNet.String()} prints it. */
  @Override
  public String toString() {
    return address() + "/" + bits;
  }
}
