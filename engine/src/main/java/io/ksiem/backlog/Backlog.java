package io.ksiem.backlog;

import io.ksiem.alarm.CustomDataEntry;
import io.ksiem.asset.Ip;
import io.ksiem.directive.Directive;
import io.ksiem.event.Event;
import io.ksiem.rule.Rule;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One live tracker of a directive (OSSIM's backlog): its rules resolved from the first event, the current stage,
 * per-stage counts and times, the addresses and custom data of its events, and its risk. Stages are 1-based.
 * Mutated only by {@link BacklogManager} on the engine's single thread.
 */
public final class Backlog {
  public static final byte PENDING = 0;
  public static final byte FINISHED = 1;
  public static final byte TIMEOUT = 2;

  final String id;
  final Directive directive;
  final Rule[] rules;
  /** Creation order within the engine: D7's tie-break. */
  final long seq;
  /** The first event's values that references resolve from; kept so a restored backlog resolves the same. */
  final FirstEvent first;
  final String title;
  final long createdTime;
  long updateTime;
  int risk;
  int current;
  final int[] count;
  final long[] start;
  final long[] end;
  final byte[] status;
  long rcvdTime;
  /** Per stage, the sticky_different values seen; null where the stage has none. */
  final Set<String>[] sticky;
  final LinkedHashSet<String> srcIps = new LinkedHashSet<>(4);
  final LinkedHashSet<String> dstIps = new LinkedHashSet<>(4);
  final LinkedHashSet<CustomDataEntry> customData = new LinkedHashSet<>(2);
  /**
   * The 64-bit hashes of every event id appended, repeats included: what the directive's duplicate-id check counts.
   * Hashes rather than the ids keep a backlog's state and heap small; two distinct ids collide with odds near
   * 1e-15 per check, and the only effect would be one backlog not created.
   */
  final LongArrayList idHashes = new LongArrayList(4);
  /**
   * The IPv4 address added last to each list, or -1: repeats skip the set. Only dotted-quad text qualifies (one text
   * per address, leading zeros being invalid); {@code ::ffff:a.b.c.d} is another string for the same address.
   */
  private long lastSrc = -1;
  private long lastDst = -1;
  /**
   * What the caps of {@link CorrelationOptions} kept out of this backlog: each time an event brought an address or
   * custom data pair that its full list did not hold.
   */
  long droppedAddresses;
  long droppedCustomData;
  /**
   * The highest asset value among the addresses dropped: risk takes it as if they were listed, or an attacker could
   * fill a list with worthless addresses so that the valuable one arriving next never raised the risk.
   */
  int droppedValue;

  /** Deadline of the current stage in Unix seconds; maintained by the manager. */
  long deadline;
  boolean live = true;

  /** What a backlog keeps of its first event. */
  public record FirstEvent(String srcIp, String dstIp, int srcPort, int dstPort, String customData1,
      String customData2, String customData3) {
    Event asEvent() {
      Event e = new Event();
      e.srcIp = srcIp;
      e.dstIp = dstIp;
      e.srcPort = srcPort;
      e.dstPort = dstPort;
      e.customData1 = customData1;
      e.customData2 = customData2;
      e.customData3 = customData3;
      return e;
    }

    static FirstEvent of(Event e) {
      return new FirstEvent(e.srcIp, e.dstIp, e.srcPort, e.dstPort, e.customData1, e.customData2, e.customData3);
    }
  }

  @SuppressWarnings("unchecked")
  Backlog(String id, Directive directive, long seq, FirstEvent first, String title, long createdTime) {
    this.id = id;
    this.directive = directive;
    this.seq = seq;
    this.first = first;
    this.title = title;
    this.createdTime = createdTime;
    int n = directive.stages();
    this.rules = resolve(directive, first);
    this.count = new int[n + 1];
    this.start = new long[n + 1];
    this.end = new long[n + 1];
    this.status = new byte[n + 1];
    this.sticky = new Set[n + 1];
    for (int s = 2; s <= n; s++) {
      if (rules[s - 1].sticky != null) {
        sticky[s] = new HashSet<>(4);
      }
    }
    this.current = 1;
  }

  /**
   * docs/dsiem-reference.md §5.8 (and §5.10 for stage 1): a copy of the rules with every reference resolved, in array
   * order.
   */
  static Rule[] resolve(Directive d, FirstEvent first) {
    Event e = first.asEvent();
    Rule[] r = d.rules();
    if (d.allRulesAlwaysActive) {
      r[0] = r[0].pinnedTo(e);
    }
    for (int i = 1; i < r.length; i++) {
      r[i] = r[i].resolve(r, e);
    }
    return r;
  }

  public String id() {
    return id;
  }

  public Directive directive() {
    return directive;
  }

  public int currentStage() {
    return current;
  }

  public int risk() {
    return risk;
  }

  public long seq() {
    return seq;
  }

  public long deadline() {
    return deadline;
  }

  /** The current stage's rule. */
  Rule currentRule() {
    return rules[current - 1];
  }

  /** Index keys of the current stage: the one source / destination it admits, or null. */
  Ip srcPin() {
    return directive.allRulesAlwaysActive ? null : currentRule().srcPin();
  }

  Ip dstPin() {
    return directive.allRulesAlwaysActive ? null : currentRule().dstPin();
  }

  /**
   * False when the list is full and does not hold the address: it was dropped. A dropped address does not become
   * {@code lastSrc}, which must stay one the list holds, so its repeats are looked up and counted again.
   */
  boolean addSrc(Event e, int cap) {
    long v4 = dottedQuad(e.src());
    if (v4 >= 0 && v4 == lastSrc) {
      return true;
    }
    if (!addCapped(srcIps, e.srcIp, cap)) {
      return false;
    }
    lastSrc = v4;
    return true;
  }

  boolean addDst(Event e, int cap) {
    long v4 = dottedQuad(e.dst());
    if (v4 >= 0 && v4 == lastDst) {
      return true;
    }
    if (!addCapped(dstIps, e.dstIp, cap)) {
      return false;
    }
    lastDst = v4;
    return true;
  }

  boolean addCustomData(CustomDataEntry c, int cap) {
    return addCapped(customData, c, cap);
  }

  private static long dottedQuad(Ip ip) {
    return ip == null ? -1 : ip.dottedQuad();
  }

  private static <T> boolean addCapped(Set<T> set, T value, int cap) {
    if (set.size() < cap) {
      set.add(value);
      return true;
    }
    return set.contains(value);
  }

  public long droppedAddresses() {
    return droppedAddresses;
  }

  public long droppedCustomData() {
    return droppedCustomData;
  }

  /** dsiem drops {@code 0.0.0.0} from an address list unless it is the only entry. */
  static List<String> withoutZero(Set<String> ips) {
    List<String> out = new ArrayList<>(ips);
    if (out.size() > 1) {
      out.remove("0.0.0.0");
    }
    return out;
  }
}
