package io.ksiem.correlate;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Bytes;

/**
 * The key layout of a correlation task's store ({@link CorrelateTopology#BACKLOG_STORE}): one entry per live
 * backlog ({@code b/<backlog id>}), the engine header ({@code h}: clock, creation counter), the clock of each events
 * partition ({@code w/<partition>}), the directive versions that live backlogs started under
 * ({@code v/<id>/<fingerprint>}) and the events waiting for the clock ({@code q/<time><arrival>}).
 */
final class StoreKeys {
  static final Bytes HEADER = Bytes.wrap("h".getBytes(StandardCharsets.UTF_8));
  static final String BACKLOG = "b/";
  static final String VERSION = "v/";
  static final String SOURCE_CLOCK = "w/";
  static final String QUEUE = "q/";

  /** What an entry of the store holds. */
  enum Kind { HEADER, BACKLOG, VERSION, SOURCE_CLOCK, QUEUE, UNKNOWN }

  private StoreKeys() {
  }

  static Kind kind(Bytes key) {
    if (key.equals(HEADER)) {
      return Kind.HEADER;
    }
    String k = new String(key.get(), 0, Math.min(2, key.get().length), StandardCharsets.UTF_8);
    return switch (k) {
      case BACKLOG -> Kind.BACKLOG;
      case VERSION -> Kind.VERSION;
      case SOURCE_CLOCK -> Kind.SOURCE_CLOCK;
      case QUEUE -> Kind.QUEUE;
      default -> Kind.UNKNOWN;
    };
  }

  static Bytes backlog(String backlogId) {
    return key(BACKLOG, backlogId);
  }

  /** The backlog id of a {@code b/} key. */
  static String backlogId(Bytes key) {
    return new String(key.get(), StandardCharsets.UTF_8).substring(BACKLOG.length());
  }

  static Bytes version(long directiveId, long fingerprint) {
    return key(VERSION, directiveId + "/" + Long.toHexString(fingerprint));
  }

  static Bytes sourceClock(int source) {
    return key(SOURCE_CLOCK, Integer.toString(source));
  }

  /** The events partition of a {@code w/} key. */
  static int source(Bytes key) {
    return Integer.parseInt(new String(key.get(), StandardCharsets.UTF_8).substring(SOURCE_CLOCK.length()));
  }

  /** {@code q/}, then time and arrival as big-endian longs: sorts by time, then arrival (both never negative). */
  static Bytes queue(long time, long seq) {
    byte[] q = QUEUE.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(q.length + 16).put(q).putLong(time).putLong(seq).array());
  }

  /** The event time of a {@code q/} key. */
  static long queueTime(Bytes key) {
    return ByteBuffer.wrap(key.get()).getLong(QUEUE.length());
  }

  /** The arrival number of a {@code q/} key. */
  static long queueSeq(Bytes key) {
    return ByteBuffer.wrap(key.get()).getLong(QUEUE.length() + 8);
  }

  static byte[] longValue(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  static long longValue(byte[] v) {
    return ByteBuffer.wrap(v).getLong();
  }

  private static Bytes key(String prefix, String rest) {
    return Bytes.wrap((prefix + rest).getBytes(StandardCharsets.UTF_8));
  }
}
