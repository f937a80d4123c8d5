package io.ksiem.backlog;

import io.ksiem.alarm.Alarm;
import io.ksiem.alarm.AlarmEvent;
import io.ksiem.alarm.AlarmRule;
import io.ksiem.alarm.CustomData;
import io.ksiem.alarm.RiskClass;
import io.ksiem.asset.AssetSet;
import io.ksiem.asset.Ip;
import io.ksiem.directive.Directive;
import io.ksiem.event.NormalizedEvent;
import io.ksiem.rule.Rule;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The live backlogs of one directive and dsiem's per-directive algorithm (reference §6.1–6.3, with D3, D5, D7).
 * Backlogs are indexed by the addresses their current stage is pinned to, so an event is offered only to the
 * backlogs it can advance, not to every live one as in dsiem. Without the index ({@code indexed=false}) every event
 * is offered to every live backlog, dsiem's way, which tests and benchmarks use as the reference.
 */
public final class BacklogManager {
  private static final Comparator<Backlog> CREATION = Comparator.comparingLong(b -> b.seq);

  private final Directive directive;
  private final Correlation ctx;
  private final boolean indexed;

  private final Map<Ip, List<Backlog>> bySrc = new HashMap<>();
  private final Map<Ip, List<Backlog>> byDst = new HashMap<>();
  private final Map<Pair, List<Backlog>> byPair = new HashMap<>();
  private final List<Backlog> unpinned = new ArrayList<>();
  /** Event ids in live backlogs, with their number of appearances: dsiem's only duplicate protection. */
  private final Map<String, int[]> eventIds = new HashMap<>();
  private final ArrayList<Backlog> scratch = new ArrayList<>();
  private int live;

  private record Pair(Ip src, Ip dst) {
  }

  public BacklogManager(Directive directive, Correlation ctx, boolean indexed) {
    this.directive = directive;
    this.ctx = ctx;
    this.indexed = indexed;
  }

  public Directive directive() {
    return directive;
  }

  public int liveBacklogs() {
    return live;
  }

  /** Reference §6.1 for one event that passed this directive's pre-filter. */
  public void handle(NormalizedEvent e) {
    List<Backlog> candidates = candidates(e);
    boolean consumed = false;
    for (int i = 0; i < candidates.size(); i++) {
      Backlog b = candidates.get(i);
      if (b.live && offer(b, e)) {
        consumed = true;
      }
    }
    candidates.clear();
    if (consumed) {
      return;
    }
    if (!directive.rule(1).matches(e, ctx.assets())) {
      return;
    }
    if (eventIds.containsKey(e.eventId)) {
      return;
    }
    create(e);
  }

  private List<Backlog> candidates(NormalizedEvent e) {
    ArrayList<Backlog> out = scratch;
    out.clear();
    out.addAll(unpinned);
    if (indexed) {
      Ip src = e.src();
      Ip dst = e.dst();
      if (src != null) {
        addAll(out, bySrc.get(src));
        if (dst != null) {
          addAll(out, byPair.get(new Pair(src, dst)));
        }
      }
      if (dst != null) {
        addAll(out, byDst.get(dst));
      }
      if (out.size() > 1) {
        out.sort(CREATION);
      }
    }
    return out;
  }

  private static void addAll(List<Backlog> out, List<Backlog> in) {
    if (in != null) {
      out.addAll(in);
    }
  }

  /** Reference §6.3; returns whether the backlog consumed the event (dropped events count as consumed). */
  private boolean offer(Backlog b, NormalizedEvent e) {
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

  private void create(NormalizedEvent e) {
    long seq = ctx.nextSeq();
    Backlog b = new Backlog(ctx.newAlarmId(directive, e, seq), directive, seq, Backlog.FirstEvent.of(e),
        title(e), ctx.clock());
    b.start[1] = e.time;
    b.rcvdTime = e.rcvdTime;
    live++;
    index(b);
    append(b, e, 1);
  }

  private String title(NormalizedEvent e) {
    AssetSet a = ctx.assets();
    String src = e.src() == null ? null : a.hostName(e.src());
    String dst = e.dst() == null ? null : a.hostName(e.dst());
    return directive.name.replace("SRC_IP", src != null ? src : e.srcIp).replace("DST_IP", dst != null ? dst : e.dstIp);
  }

  /** Appends to stage {@code s} and writes the link; no occurrence logic. */
  private void record(Backlog b, NormalizedEvent e, int s) {
    b.count[s]++;
    b.eventIds.add(e.eventId);
    int[] n = eventIds.get(e.eventId);
    if (n == null) {
      eventIds.put(e.eventId, new int[] {1});
    } else {
      n[0]++;
    }
    b.srcIps.add(e.srcIp);
    b.dstIps.add(e.dstIp);
    for (int k = 1; k <= 3; k++) {
      String label = e.customLabel(k);
      String data = e.customData(k);
      if (!label.isEmpty() && !data.isEmpty()) {
        b.customData.add(new CustomData(label, data));
      }
    }
    b.updateTime = ctx.clock();
    ctx.sink().alarmEvent(new AlarmEvent(b.id, s, e.eventId));
  }

  /** Reference §6.3 step 7. */
  private void append(Backlog b, NormalizedEvent e, int s) {
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

  /** The current stage ran out of time: status timeout, a last snapshot, then gone (reference §6.5). */
  public void expire(Backlog b) {
    b.status[b.current] = Backlog.TIMEOUT;
    upsert(b);
    delete(b);
  }

  private int risk(Backlog b, int s) {
    int value = 0;
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
    for (String id : b.eventIds) {
      int[] n = eventIds.get(id);
      if (n != null && --n[0] == 0) {
        eventIds.remove(id);
      }
    }
    ctx.removed(b);
  }

  /** Takes over a restored backlog. */
  public void adopt(Backlog b) {
    live++;
    for (String id : b.eventIds) {
      eventIds.computeIfAbsent(id, k -> new int[1])[0]++;
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
      Pair k = new Pair(src, dst);
      return create ? byPair.computeIfAbsent(k, x -> new ArrayList<>(2)) : byPair.get(k);
    }
    if (src != null) {
      return create ? bySrc.computeIfAbsent(src, x -> new ArrayList<>(2)) : bySrc.get(src);
    }
    if (dst != null) {
      return create ? byDst.computeIfAbsent(dst, x -> new ArrayList<>(2)) : byDst.get(dst);
    }
    return unpinned;
  }

  private void removeBucket(Backlog b) {
    Ip src = b.srcPin();
    Ip dst = b.dstPin();
    if (src != null && dst != null) {
      byPair.remove(new Pair(src, dst));
    } else if (src != null) {
      bySrc.remove(src);
    } else {
      byDst.remove(dst);
    }
  }

  /** Writes a snapshot when the risk is at least 1 (reference §7.4). */
  private void upsert(Backlog b) {
    if (b.risk < 1) {
      return;
    }
    ctx.sink().alarm(snapshot(b));
  }

  Alarm snapshot(Backlog b) {
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
    List<AlarmRule> rules = new ArrayList<>(b.rules.length);
    for (int s = 1; s <= b.rules.length; s++) {
      Rule r = b.rules[s - 1];
      rules.add(new AlarmRule(r.name, r.stage, r.pluginId, r.pluginSids(), r.product, r.category, r.subcategory,
          r.occurrence, r.from, r.to, r.type.name(), r.portFrom, r.portTo, r.protocol, r.reliability, r.timeout,
          b.start[s], b.end[s], s == 1 ? b.rcvdTime : 0, statusText(b.status[s]),
          r.sticky == null ? "" : r.sticky.name(), List.of(r.customData(1), r.customData(2), r.customData(3)),
          List.of(r.customLabel(1), r.customLabel(2), r.customLabel(3))));
    }
    var o = ctx.options();
    return new Alarm(b.id, b.title, o.status(), o.tag(), directive.kingdom, directive.category, b.createdTime,
        b.updateTime, b.risk, RiskClass.of(b.risk, o.medRiskMin(), o.medRiskMax()), src, dst,
        new ArrayList<>(networks), new ArrayList<>(b.customData), rules, directive.id);
  }

  private static String statusText(byte status) {
    return status == Backlog.FINISHED ? "finished" : status == Backlog.TIMEOUT ? "timeout" : "";
  }
}
