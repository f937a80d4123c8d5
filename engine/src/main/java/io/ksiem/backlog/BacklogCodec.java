package io.ksiem.backlog;

import io.ksiem.alarm.CustomDataEntry;
import io.ksiem.directive.Directive;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;

/**
 * A backlog to bytes and back, for a state store with one entry per backlog. Written by hand rather than with a
 * schema library: the state is internal, read only by this class, and a varint layout keeps a typical backlog near
 * a hundred bytes plus its event ids. Rules are not stored: they are resolved again from the directive and the
 * first event, which gives the same result. The first byte is a format version.
 *
 * <p>What the caps of {@link CorrelationOptions} dropped (counts and the highest asset value, which risk still uses)
 * follows the event ids, and only when something was dropped: a backlog the caps never touched is byte for byte what
 * earlier releases wrote, and an earlier release, which stops reading after the event ids, still reads a capped one
 * (its risk then forgets the dropped addresses). So this is an optional tail rather than a new version, which those
 * releases would refuse on a rollback.
 */
public final class BacklogCodec {
  private static final int VERSION = 1;

  private BacklogCodec() {
  }

  /** A decoded backlog, or why there is none. */
  public record Decoded(Backlog backlog, String problem) {
  }

  public static byte[] encode(Backlog b) {
    Out o = new Out(128 + 8 * b.idHashes.size());
    o.varint(VERSION);
    o.str(b.id);
    o.varint(b.directive.id);
    o.fixed64(b.directive.fingerprint);
    o.varlong(b.seq);
    Backlog.FirstEvent f = b.first;
    o.str(f.srcIp());
    o.str(f.dstIp());
    o.varint(f.srcPort());
    o.varint(f.dstPort());
    o.str(f.customData1());
    o.str(f.customData2());
    o.str(f.customData3());
    o.str(b.title);
    o.varlong(b.createdTime);
    o.varlong(b.updateTime);
    o.varint(b.risk);
    o.varint(b.current);
    o.varlong(b.rcvdTime);
    int n = b.rules.length;
    o.varint(n);
    for (int s = 1; s <= n; s++) {
      o.varint(b.count[s]);
      o.varlong(b.start[s]);
      o.varlong(b.end[s]);
      o.varint(b.status[s]);
      if (b.sticky[s] == null) {
        o.varint(0);
      } else {
        o.varint(b.sticky[s].size() + 1);
        for (String v : b.sticky[s]) {
          o.str(v);
        }
      }
    }
    o.varint(b.srcIps.size());
    b.srcIps.forEach(o::str);
    o.varint(b.dstIps.size());
    b.dstIps.forEach(o::str);
    o.varint(b.customData.size());
    for (CustomDataEntry c : b.customData) {
      o.str(c.label());
      o.str(c.content());
    }
    o.varint(b.idHashes.size());
    for (int i = 0, k = b.idHashes.size(); i < k; i++) {
      o.fixed64(b.idHashes.getLong(i));
    }
    if (b.droppedAddresses != 0 || b.droppedCustomData != 0 || b.droppedValue != 0) {
      o.varlong(b.droppedAddresses);
      o.varlong(b.droppedCustomData);
      o.varint(b.droppedValue);
    }
    return o.bytes();
  }

  /**
   * Decodes a backlog for the directive version {@code managers} finds by id and fingerprint. It is refused when
   * that directive is gone or now has another number of stages.
   */
  /** Finds the manager of a directive version: the exact one if known, else the directive's current one. */
  @FunctionalInterface
  public interface Managers {
    BacklogManager find(int directiveId, long fingerprint);
  }

  public static Decoded decode(byte[] bytes, Managers managers) {
    In in = new In(bytes);
    int version = in.varint();
    if (version != VERSION) {
      return new Decoded(null, "backlog state format " + version + " is not known to this version of ksiem");
    }
    String id = in.str();
    int directiveId = in.varint();
    long fingerprint = in.fixed64();
    BacklogManager m = managers.find(directiveId, fingerprint);
    if (m == null) {
      return new Decoded(null, "backlog " + id + ": directive " + directiveId + " is no longer loaded");
    }
    Directive d = m.directive();
    long seq = in.varlong();
    Backlog.FirstEvent first = new Backlog.FirstEvent(in.str(), in.str(), in.varint(), in.varint(), in.str(),
        in.str(), in.str());
    String title = in.str();
    long created = in.varlong();
    Backlog b = new Backlog(id, d, seq, first, title, created);
    b.updateTime = in.varlong();
    b.risk = in.varint();
    b.current = in.varint();
    b.rcvdTime = in.varlong();
    int n = in.varint();
    if (n != d.stages()) {
      return new Decoded(null, "backlog " + id + ": directive " + directiveId + " now has " + d.stages()
          + " stages, the backlog " + n);
    }
    for (int s = 1; s <= n; s++) {
      b.count[s] = in.varint();
      b.start[s] = in.varlong();
      b.end[s] = in.varlong();
      b.status[s] = (byte) in.varint();
      int k = in.varint() - 1;
      if (k >= 0) {
        if (b.sticky[s] == null) {
          b.sticky[s] = new HashSet<>();
        }
        for (int i = 0; i < k; i++) {
          b.sticky[s].add(in.str());
        }
      }
    }
    for (int i = in.varint(); i > 0; i--) {
      b.srcIps.add(in.str());
    }
    for (int i = in.varint(); i > 0; i--) {
      b.dstIps.add(in.str());
    }
    for (int i = in.varint(); i > 0; i--) {
      b.customData.add(new CustomDataEntry(in.str(), in.str()));
    }
    for (int i = in.varint(); i > 0; i--) {
      b.idHashes.add(in.fixed64());
    }
    if (in.more()) {
      b.droppedAddresses = in.varlong();
      b.droppedCustomData = in.varlong();
      b.droppedValue = in.varint();
    }
    return new Decoded(b, null);
  }

  private static final class Out {
    private byte[] buf;
    private int len;

    Out(int capacity) {
      buf = new byte[capacity];
    }

    private void ensure(int extra) {
      if (len + extra > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
      }
    }

    void varlong(long v) {
      ensure(10);
      long z = (v << 1) ^ (v >> 63);
      while ((z & ~0x7fL) != 0) {
        buf[len++] = (byte) ((z & 0x7f) | 0x80);
        z >>>= 7;
      }
      buf[len++] = (byte) z;
    }

    void varint(int v) {
      varlong(v);
    }

    void fixed64(long v) {
      ensure(8);
      for (int i = 7; i >= 0; i--) {
        buf[len++] = (byte) (v >>> (8 * i));
      }
    }

    void str(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      varint(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
    }

    byte[] bytes() {
      return Arrays.copyOf(buf, len);
    }
  }

  private static final class In {
    private final byte[] buf;
    private int pos;

    In(byte[] buf) {
      this.buf = buf;
    }

    long varlong() {
      long z = 0;
      int shift = 0;
      while (true) {
        byte b = buf[pos++];
        z |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          break;
        }
        shift += 7;
      }
      return (z >>> 1) ^ -(z & 1);
    }

    int varint() {
      return (int) varlong();
    }

    boolean more() {
      return pos < buf.length;
    }

    long fixed64() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (buf[pos++] & 0xff);
      }
      return v;
    }

    String str() {
      int n = varint();
      String s = new String(buf, pos, n, StandardCharsets.UTF_8);
      pos += n;
      return s;
    }
  }
}
