package io.ksiem.backlog;

import io.ksiem.alarm.AlarmLink;
import io.ksiem.alarm.AlarmSnapshot;
import io.ksiem.alarm.AlarmStage;
import io.ksiem.alarm.CustomDataEntry;
import io.ksiem.alarm.RiskClass;
import io.ksiem.asset.AssetSet;
import io.ksiem.asset.Ip;
import io.ksiem.directive.Directive;
import io.ksiem.event.Event;
import io.ksiem.rule.Rule;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The live backlogs of one directive and dsiem's per-directive algorithm (docs/dsiem-reference.md §6.1–6.3, with D3,
 * D5, D7). Backlogs are indexed by the addresses their current stage is pinned to, so an event is offered only to the
 * backlogs it can advance, not to every live one as in dsiem. Without the index ({@code indexed=false}) every event
 * is offered to every live backlog, dsiem's way, which tests and benchmarks use as the reference.
 *
 * <p>The caps of {@link CorrelationOptions} (docs/limits.md). At {@code maxBacklogsPerDirective} live backlogs an
 * event that would start another does not, and counts as refused. Evicting the oldest instead would let a flood of
 * stage-1 events from spoofed sources push out the backlogs of real attacks just before their later stages; refusing
 * keeps every backlog that already correlates, and an attack that starts during the flood is lost only while the
 * flood holds the directive full. Restored backlogs are adopted even above the cap, as lowering it must not drop
 * state. At {@code maxAddressesPerList} or {@code maxCustomDataPerBacklog} a backlog keeps correlating as before, and
 * only the further distinct values are left out and counted.
 */
public final class BacklogManager {
  private static final Comparator<Backlog> CREATION = Comparator.comparingLong(b -> b.seq);

  private final Directive directive;
  private final Correlation ctx;
  private final boolean indexed;

  /** Index of live backlogs by the {@link Ip#key} of the source, destination or both their stage admits. */
  private final Long2ObjectOpenHashMap<List<Backlog>> bySrc = new Long2ObjectOpenHashMap<>();
  private final Long2ObjectOpenHashMap<List<Backlog>> byDst = new Long2ObjectOpenHashMap<>();
  private final Long2ObjectOpenHashMap<List<Backlog>> byPair = new Long2ObjectOpenHashMap<>();
  private final List<Backlog> unpinned = new ArrayList<>();
  /**
   * 64-bit hashes of the event ids in live backlogs, with their number of appearances: dsiem's only duplicate
   * protection, checked before a backlog is created.
   */
  private final Long2IntOpenHashMap eventIds = new Long2IntOpenHashMap();
  private final ArrayList<Backlog> scratch = new ArrayList<>();
  private int live;
  private long refusedBacklogs;
  private long droppedAddresses;
  private long droppedCustomData;

  private static long pairKey(long src, long dst) {
    if (src >= 0 && dst >= 0) {
      return (src << 32) | dst;
    }
    long h = src * 0x9E3779B97F4A7C15L + dst;
    h ^= h >>> 32;
    return h | Long.MIN_VALUE;
  }

  public BacklogManager(Directive directive, Correlation ctx, boolean indexed) {
    this.directive = directive;
    this.ctx = ctx;
    this.indexed = indexed;
  }

  private boolean retired;

  /**
   * A retired manager holds the backlogs of a directive version that has since been replaced or removed: they
   * finish under the version they started with, and it starts no new ones.
   */
  public void retire() {
    retired = true;
  }

  public boolean retired() {
    return retired;
  }

  public Directive directive() {
    return directive;
  }

  public int liveBacklogs() {
    return live;
  }

  /** Events that would have started a backlog but for {@code maxBacklogsPerDirective}. */
  public long refusedBacklogs() {
    return refusedBacklogs;
  }

  /** Addresses left out of this manager's backlogs by {@code maxAddressesPerList}, gone backlogs included. */
  public long droppedAddresses() {
    return droppedAddresses;
  }

  /** Custom data pairs left out by {@code maxCustomDataPerBacklog}, gone backlogs included. */
  public long droppedCustomData() {
    return droppedCustomData;
  }

  /** docs/dsiem-reference.md §6.1 for one event that passed this directive's pre-filter. */
  public void handle(Event e) {
    List<Backlog> candidates = candidates(e);
    boolean consumed = false;
    for (int i = 0; i < candidates.size(); i++) {
      Backlog b = candidates.get(i);
      // past its deadline by the event's time: in time order it expired before the event (the clock may lag the
      // event when several partitions feed one engine, see Engine.offer)
      if (b.live && !(b.current > 1 && b.deadline < e.time) && offer(b, e)) {
        consumed = true;
      }
    }
    candidates.clear();
    if (consumed || retired) {
      return;
    }
    if (!directive.rule(1).matches(e, ctx.assets())) {
      return;
    }
    if (eventIds.get(idHash(e.eventId)) > 0) {
      return;
    }
    if (live >= ctx.options().maxBacklogsPerDirective()) {
      refusedBacklogs++;
      return;
    }
    create(e);
  }

  static long idHash(String id) {
    long h = 1125899906842597L;
    for (int i = 0; i < id.length(); i++) {
      h = 31 * h + id.charAt(i);
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 33);
  }

  private List<Backlog> candidates(Event e) {
    ArrayList<Backlog> out = scratch;
    out.clear();
    addAll(out, unpinned);
    if (indexed) {
      Ip src = e.src();
      Ip dst = e.dst();
      if (src != null) {
        if (!bySrc.isEmpty()) {
          addAll(out, bySrc.get(src.key()));
        }
        if (dst != null && !byPair.isEmpty()) {
          addAll(out, byPair.get(pairKey(src.key(), dst.key())));
        }
      }
      if (dst != null && !byDst.isEmpty()) {
        addAll(out, byDst.get(dst.key()));
      }
      if (out.size() > 1) {
        out.sort(CREATION);
      }
    }
    return out;
  }

  private static void addAll(List<Backlog> out, List<Backlog> in) {
    if (in != null) {
      for (int i = 0, n = in.size(); i < n; i++) {
        out.add(in.get(i));
      }
    }
  }

  /**
   * docs/dsiem-reference.md §6.3; returns whether the backlog consumed the event (dropped events count as
   * consumed).
   */
  private boolean offer(Backlog b, Event e) {
    int s = b.current;
    Rule r = b.rules[s - 1];
    if (r.matches(e, ctx.assets())) {
      if (r.sticky != null && !b.sticky[s].add(r.sticky.valueOf(e))) {
        return true;
      }
      if (r.sticky != null) {
        ctx.changed(b);
      }
      if (e.time + 5 <= b.end[s - 1]) {
        return true;
      }
      append(b, e, s);
      return true;
    }
    if (directive.allRulesAlwaysActive) {
      for (int i = 1; i < s; i++) {
        if (b.rules[i - 1].matches(e, ctx.assets())) {
          record(b, e, i);
          upsert(b);
          ctx.changed(b);
          return true;
        }
      }
    }
    return false;
  }

  private void create(Event e) {
    long seq = ctx.nextSeq();
    Backlog b = new Backlog(ctx.newAlarmId(directive, e), directive, seq, Backlog.FirstEvent.of(e),
        title(e), e.time);
    b.start[1] = e.time;
    b.rcvdTime = e.rcvdTime;
    live++;
    index(b);
    append(b, e, 1);
  }

  private String title(Event e) {
    AssetSet a = ctx.assets();
    String src = e.src() == null ? null : a.hostName(e.src());
    String dst = e.dst() == null ? null : a.hostName(e.dst());
    return directive.name.replace("SRC_IP", src != null ? src : e.srcIp).replace("DST_IP", dst != null ? dst : e.dstIp);
  }

  /** Appends to stage {@code s} and writes the link; no occurrence logic. */
  private void record(Backlog b, Event e, int s) {
    b.count[s]++;
    long h = idHash(e.eventId);
    b.idHashes.add(h);
    eventIds.addTo(h, 1);
    CorrelationOptions o = ctx.options();
    if (!b.addSrc(e, o.maxAddressesPerList())) {
      dropAddress(b, e.srcIp, e.src());
    }
    if (!b.addDst(e, o.maxAddressesPerList())) {
      dropAddress(b, e.dstIp, e.dst());
    }
    for (int k = 1; k <= 3; k++) {
      String label = e.customLabel(k);
      String data = e.customData(k);
      if (!label.isEmpty() && !data.isEmpty() && !b.addCustomData(new CustomDataEntry(label, data),
          o.maxCustomDataPerBacklog())) {
        b.droppedCustomData++;
        droppedCustomData++;
      }
    }
    // the backlog's own events only, not the task clock: how other attacks' events interleave with these (a
    // failover, a stalled partition) must not change the alarm
    b.updateTime = Math.max(b.updateTime, e.time);
    ctx.output().link(new AlarmLink(b.id, s, e.eventId));
  }

  private void dropAddress(Backlog b, String text, Ip ip) {
    b.droppedAddresses++;
    droppedAddresses++;
    // a full list has another entry, so dsiem would have dropped 0.0.0.0 from it (Backlog.withoutZero)
    if (ip != null && !"0.0.0.0".equals(text)) {
      b.droppedValue = Math.max(b.droppedValue, ctx.assets().value(ip));
    }
  }

  /** docs/dsiem-reference.md §6.3 step 7. */
  private void append(Backlog b, Event e, int s) {
    record(b, e, s);
    ctx.changed(b);
    if (b.count[s] < Math.max(1, b.rules[s - 1].occurrence)) {
      return;
    }
    b.status[s] = Backlog.FINISHED;
    b.end[s] = e.time;
    b.risk = risk(b, s);
    if (s == directive.stages()) {
      upsert(b);
      delete(b);
      return;
    }
    if (indexed) {
      unindex(b);
    }
    ctx.unschedule(b);
    b.current = s + 1;
    b.start[s + 1] = e.time;
    b.deadline = deadline(b);
    ctx.schedule(b);
    if (indexed) {
      index(b);
    }
    upsert(b);
  }

  long deadline(Backlog b) {
    return b.start[b.current] + b.rules[b.current - 1].timeout + ctx.options().minAlarmLifetime() * 60L;
  }

  /** The current stage ran out of time: status timeout, a last snapshot, then gone (docs/dsiem-reference.md §6.5). */
  public void expire(Backlog b) {
    b.status[b.current] = Backlog.TIMEOUT;
    upsert(b);
    delete(b);
  }

  private int risk(Backlog b, int s) {
    int value = b.droppedValue;
    AssetSet a = ctx.assets();
    for (String ip : Backlog.withoutZero(b.srcIps)) {
      value = Math.max(value, a.value(Ip.parse(ip)));
    }
    for (String ip : Backlog.withoutZero(b.dstIps)) {
      value = Math.max(value, a.value(Ip.parse(ip)));
    }
    return directive.priority * b.rules[s - 1].reliability * value / 25;
  }

  private void delete(Backlog b) {
    b.live = false;
    live--;
    unindex(b);
    ctx.unschedule(b);
    for (int i = 0, n = b.idHashes.size(); i < n; i++) {
      long h = b.idHashes.getLong(i);
      if (eventIds.addTo(h, -1) == 1) {
        eventIds.remove(h);
      }
    }
    ctx.removed(b);
  }

  /** Takes over a restored backlog. */
  public void adopt(Backlog b) {
    live++;
    for (int i = 0, n = b.idHashes.size(); i < n; i++) {
      eventIds.addTo(b.idHashes.getLong(i), 1);
    }
    index(b);
    b.deadline = deadline(b);
    ctx.schedule(b);
  }

  public Collection<Backlog> backlogs() {
    Set<Backlog> all = new LinkedHashSet<>(unpinned);
    bySrc.values().forEach(all::addAll);
    byDst.values().forEach(all::addAll);
    byPair.values().forEach(all::addAll);
    List<Backlog> out = new ArrayList<>(all);
    out.sort(CREATION);
    return out;
  }

  private void index(Backlog b) {
    List<Backlog> bucket = bucket(b, true);
    bucket.add(b);
  }

  private void unindex(Backlog b) {
    List<Backlog> bucket = bucket(b, false);
    if (bucket != null) {
      bucket.remove(b);
      if (bucket.isEmpty() && bucket != unpinned) {
        removeBucket(b);
      }
    }
  }

  private List<Backlog> bucket(Backlog b, boolean create) {
    Ip src = indexed ? b.srcPin() : null;
    Ip dst = indexed ? b.dstPin() : null;
    if (src != null && dst != null) {
      return bucket(byPair, pairKey(src.key(), dst.key()), create);
    }
    if (src != null) {
      return bucket(bySrc, src.key(), create);
    }
    if (dst != null) {
      return bucket(byDst, dst.key(), create);
    }
    return unpinned;
  }

  private static List<Backlog> bucket(Long2ObjectOpenHashMap<List<Backlog>> map, long key, boolean create) {
    List<Backlog> l = map.get(key);
    if (l == null && create) {
      l = new ArrayList<>(2);
      map.put(key, l);
    }
    return l;
  }

  private void removeBucket(Backlog b) {
    Ip src = b.srcPin();
    Ip dst = b.dstPin();
    if (src != null && dst != null) {
      byPair.remove(pairKey(src.key(), dst.key()));
    } else if (src != null) {
      bySrc.remove(src.key());
    } else {
      byDst.remove(dst.key());
    }
  }

  /** Writes a snapshot when the risk is at least 1 (docs/dsiem-reference.md §7.4). */
  private void upsert(Backlog b) {
    if (b.risk < 1) {
      return;
    }
    ctx.output().alarm(snapshot(b));
  }

  AlarmSnapshot snapshot(Backlog b) {
    AssetSet a = ctx.assets();
    List<String> src = Backlog.withoutZero(b.srcIps);
    List<String> dst = Backlog.withoutZero(b.dstIps);
    Set<String> networks = new LinkedHashSet<>();
    for (String ip : src) {
      a.addNetworks(Ip.parse(ip), networks);
    }
    for (String ip : dst) {
      a.addNetworks(Ip.parse(ip), networks);
    }
    List<AlarmStage> rules = new ArrayList<>(b.rules.length);
    for (int s = 1; s <= b.rules.length; s++) {
      Rule r = b.rules[s - 1];
      rules.add(new AlarmStage(r.name, r.stage, r.pluginId, r.pluginSids(), r.product, r.category, r.subcategory,
          r.occurrence, r.from, r.to, r.type.name(), r.portFrom, r.portTo, r.protocol, r.reliability, r.timeout,
          b.start[s], b.end[s], s == 1 ? b.rcvdTime : 0, statusText(b.status[s]),
          r.sticky == null ? "" : r.sticky.name(), List.of(r.customData(1), r.customData(2), r.customData(3)),
          List.of(r.customLabel(1), r.customLabel(2), r.customLabel(3))));
    }
    var o = ctx.options();
    return new AlarmSnapshot(b.id, b.title, o.status(), o.tag(), directive.kingdom, directive.category, b.createdTime,
        b.updateTime, b.risk, RiskClass.of(b.risk, o.medRiskMin(), o.medRiskMax()), src, dst,
        new ArrayList<>(networks), new ArrayList<>(b.customData), rules, directive.id);
  }

  private static String statusText(byte status) {
    return status == Backlog.FINISHED ? "finished" : status == Backlog.TIMEOUT ? "timeout" : "";
  }
}
