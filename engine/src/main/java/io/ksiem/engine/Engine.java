package io.ksiem.engine;

import io.ksiem.alarm.AlarmOutput;
import io.ksiem.asset.AssetSet;
import io.ksiem.backlog.Backlog;
import io.ksiem.backlog.BacklogCodec;
import io.ksiem.backlog.BacklogManager;
import io.ksiem.backlog.Correlation;
import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.directive.Directive;
import io.ksiem.directive.DirectiveIndex;
import io.ksiem.event.Event;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The correlation engine: normalized events in, alarm snapshots and alarm-event links out, driven by an event-time
 * clock (docs/dsiem-compatibility.md, D3). Single-threaded and deterministic: the same directives, assets and events
 * give the same output in the same order (D7). Its state, the live backlogs, round-trips through {@link BacklogCodec};
 * with change tracking on, {@link #drainChanges} hands out what changed since the last call, for a state store.
 */
public final class Engine implements Correlation {
  /** How events reach directives and backlogs. */
  public enum Dispatch {
    /** Pre-filter and backlog indexes: an event touches only what it can match. */
    INDEXED,
    /** dsiem's way, every directive and every live backlog sees every event: the reference for tests and benches. */
    BROADCAST
  }

  private static final Comparator<Backlog> BY_DEADLINE =
      Comparator.comparingLong(Backlog::deadline).thenComparingLong(Backlog::seq);
  private static final Comparator<Backlog> D7_ORDER =
      Comparator.comparingInt((Backlog b) -> b.directive().id).thenComparingLong(Backlog::seq);

  private final DirectiveIndex index;
  private final BacklogManager[] managers;
  private final Map<Integer, BacklogManager> byId = new HashMap<>();
  /** Older versions of directives, kept while backlogs started under them are live; in directive id order. */
  private final List<BacklogManager> retired = new ArrayList<>();
  private final AssetSet assets;
  private final CorrelationOptions options;
  private final AlarmOutput output;
  private final Dispatch dispatch;
  private final TreeSet<Backlog> expiry = new TreeSet<>(BY_DEADLINE);
  private final boolean tracking;
  private final Map<String, Backlog> changed = new LinkedHashMap<>();
  private final List<String> removed = new ArrayList<>();

  /** The earliest deadline scheduled, or MIN_VALUE when unknown: saves a tree walk per event. */
  private long nextDeadline = Long.MIN_VALUE;
  private long clock = Long.MIN_VALUE;
  private long seq;
  private long whitelisted;

  public Engine(List<Directive> directives, AssetSet assets, CorrelationOptions options, AlarmOutput output) {
    this(directives, assets, options, output, Dispatch.INDEXED, false);
  }

  public Engine(List<Directive> directives, AssetSet assets, CorrelationOptions options, AlarmOutput output,
      Dispatch dispatch, boolean trackChanges) {
    this(directives, List.of(), assets, options, output, dispatch, trackChanges);
  }

  /**
   * {@code retiredVersions} are earlier versions of directives (changed or removed since) whose live backlogs finish
   * under them; they start no new backlogs and are dropped once empty.
   */
  public Engine(List<Directive> directives, List<Directive> retiredVersions, AssetSet assets,
      CorrelationOptions options, AlarmOutput output, Dispatch dispatch, boolean trackChanges) {
    this.index = new DirectiveIndex(directives);
    this.assets = assets;
    this.options = options;
    this.output = output;
    this.dispatch = dispatch;
    this.tracking = trackChanges;
    this.managers = new BacklogManager[index.size()];
    for (int i = 0; i < managers.length; i++) {
      managers[i] = new BacklogManager(index.get(i), this, dispatch == Dispatch.INDEXED);
      byId.put(index.get(i).id, managers[i]);
    }
    List<Directive> old = new ArrayList<>(retiredVersions);
    old.sort(Comparator.comparingInt((Directive d) -> d.id));
    for (Directive d : old) {
      BacklogManager current = byId.get(d.id);
      if (current != null && current.directive().fingerprint == d.fingerprint) {
        continue;
      }
      BacklogManager m = new BacklogManager(d, this, dispatch == Dispatch.INDEXED);
      m.retire();
      retired.add(m);
    }
  }

  /**
   * One event, in three steps: the clock moves to the event's time, due backlogs expire, then the event is offered
   * to the directives whose pre-filter it passes, in ascending id order. A whitelisted source is dropped after the
   * clock step.
   */
  public void process(Event e) {
    advanceClock(e.time);
    offer(e);
  }

  /**
   * Steps (2) and (3) without moving the clock: for a stream merged from several partitions, whose clock is the
   * lowest of theirs. A backlog whose deadline is before the event's time no longer takes it, as it would have
   * expired before the event in time order.
   */
  public void offer(Event e) {
    if (e.src() != null && assets.isWhitelisted(e.src())) {
      whitelisted++;
      return;
    }
    if (dispatch == Dispatch.INDEXED) {
      for (int i : index.candidates(e)) {
        managers[i].handle(e);
      }
    } else {
      for (BacklogManager m : managers) {
        if (DirectiveIndex.passes(m.directive(), e)) {
          m.handle(e);
        }
      }
    }
    for (int i = 0; i < retired.size(); i++) {
      BacklogManager m = retired.get(i);
      if (m.liveBacklogs() > 0 && DirectiveIndex.passes(m.directive(), e)) {
        m.handle(e);
      }
    }
  }

  /**
   * Moves the clock forward (never back) and expires every backlog whose deadline is strictly before it, in
   * directive id then creation order. The Streams app calls this from a wall-clock punctuator on quiet partitions.
   */
  public void advanceClock(long time) {
    if (time > clock) {
      clock = time;
    }
    if (nextDeadline == Long.MIN_VALUE) {
      nextDeadline = expiry.isEmpty() ? Long.MAX_VALUE : expiry.first().deadline();
    }
    if (nextDeadline >= clock) {
      return;
    }
    List<Backlog> due = new ArrayList<>();
    while (!expiry.isEmpty() && expiry.first().deadline() < clock) {
      due.add(expiry.pollFirst());
    }
    due.sort(D7_ORDER);
    nextDeadline = Long.MIN_VALUE;
    for (Backlog b : due) {
      managerOf(b).expire(b);
    }
  }

  private BacklogManager managerOf(Backlog b) {
    BacklogManager m = byId.get(b.directive().id);
    if (m != null && m.directive() == b.directive()) {
      return m;
    }
    for (BacklogManager r : retired) {
      if (r.directive() == b.directive()) {
        return r;
      }
    }
    throw new IllegalStateException("no manager for " + b.id());
  }

  private BacklogManager find(int directiveId, long fingerprint) {
    BacklogManager m = byId.get(directiveId);
    if (m != null && m.directive().fingerprint == fingerprint) {
      return m;
    }
    for (BacklogManager r : retired) {
      if (r.directive().id == directiveId && r.directive().fingerprint == fingerprint) {
        return r;
      }
    }
    return m;
  }

  /** The earlier directive versions that still have live backlogs. */
  /** How many retired versions still have live backlogs; {@link #retiredVersions()} without the list. */
  public int retiredInUse() {
    int n = 0;
    for (BacklogManager r : retired) {
      if (r.liveBacklogs() > 0) {
        n++;
      }
    }
    return n;
  }

  public List<Directive> retiredVersions() {
    List<Directive> out = new ArrayList<>();
    for (BacklogManager r : retired) {
      if (r.liveBacklogs() > 0) {
        out.add(r.directive());
      }
    }
    return out;
  }

  public long clock() {
    return clock;
  }

  public long whitelistedEvents() {
    return whitelisted;
  }

  /** What the caps kept out so far; see {@link CapCounts}. */
  public CapCounts capCounts() {
    Map<Integer, Long> refused = new HashMap<>();
    long addresses = 0;
    long customData = 0;
    for (List<BacklogManager> ms : List.of(List.of(managers), retired)) {
      for (BacklogManager m : ms) {
        if (m.refusedBacklogs() > 0) {
          refused.merge(m.directive().id, m.refusedBacklogs(), Long::sum);
        }
        addresses += m.droppedAddresses();
        customData += m.droppedCustomData();
      }
    }
    return new CapCounts(refused, addresses, customData);
  }

  public int liveBacklogs() {
    int n = 0;
    for (BacklogManager m : managers) {
      n += m.liveBacklogs();
    }
    for (BacklogManager m : retired) {
      n += m.liveBacklogs();
    }
    return n;
  }

  /** Every live backlog, in directive id then creation order. */
  public List<Backlog> backlogs() {
    List<Backlog> out = new ArrayList<>();
    for (BacklogManager m : managers) {
      out.addAll(m.backlogs());
    }
    for (BacklogManager m : retired) {
      out.addAll(m.backlogs());
    }
    return out;
  }

  public List<Directive> directives() {
    return List.of(index.directives());
  }

  // --- state: the clock and the creation counter, plus one entry per live backlog

  /** The engine-wide part of the state: clock and creation counter. */
  public long[] header() {
    return new long[] {clock, seq};
  }

  /** The creation counter, the second part of {@link #header()}. */
  public long seq() {
    return seq;
  }

  /**
   * Restores state into a fresh engine. A backlog whose directive is no longer loaded cannot go on and is returned
   * in the result so the caller can report it.
   */
  public List<String> restore(long[] header, Collection<byte[]> backlogs) {
    clock = header[0];
    seq = header[1];
    List<String> orphans = new ArrayList<>();
    for (byte[] bytes : backlogs) {
      BacklogCodec.Decoded d = BacklogCodec.decode(bytes, this::find);
      if (d.backlog() == null) {
        orphans.add(d.problem());
        continue;
      }
      managerOf(d.backlog()).adopt(d.backlog());
    }
    return orphans;
  }

  /** Hands out every backlog changed and every one removed since the last call (change tracking must be on). */
  public void drainChanges(ChangeListener listener) {
    for (String id : removed) {
      listener.removed(id);
    }
    for (Backlog b : changed.values()) {
      listener.changed(b.id(), BacklogCodec.encode(b));
    }
    removed.clear();
    changed.clear();
  }

  /** Receives state changes for a store keyed by backlog id. */
  public interface ChangeListener {
    void changed(String backlogId, byte[] state);

    void removed(String backlogId);
  }

  // --- Correlation, for the backlog managers

  @Override
  public AssetSet assets() {
    return assets;
  }

  @Override
  public CorrelationOptions options() {
    return options;
  }

  @Override
  public AlarmOutput output() {
    return output;
  }

  @Override
  public long nextSeq() {
    return seq++;
  }

  /**
   * Derived from the directive and the backlog's first event only, so a replay, a reprocessing after a crash and
   * any partitioning of directives over tasks give the alarm the same id. An event starts at most one backlog per
   * directive while any backlog holding it is live.
   */
  @Override
  public String newAlarmId(Directive d, Event first) {
    long h = 0xcbf29ce484222325L;
    h = mix(h, d.id);
    h = mix(h, first.time);
    for (int i = 0; i < first.eventId.length(); i++) {
      h = mix(h, first.eventId.charAt(i));
    }
    return AlarmIds.base62(h);
  }

  private static long mix(long h, long v) {
    h ^= v;
    h *= 0x100000001b3L;
    return h ^ (h >>> 29);
  }

  @Override
  public void unschedule(Backlog b) {
    if (expiry.remove(b) && b.deadline() <= nextDeadline) {
      nextDeadline = Long.MIN_VALUE;
    }
  }

  @Override
  public void schedule(Backlog b) {
    expiry.add(b);
    if (nextDeadline != Long.MIN_VALUE && b.deadline() < nextDeadline) {
      nextDeadline = b.deadline();
    }
  }

  @Override
  public void changed(Backlog b) {
    if (tracking) {
      changed.put(b.id(), b);
    }
  }

  @Override
  public void removed(Backlog b) {
    if (tracking) {
      changed.remove(b.id());
      removed.add(b.id());
    }
  }
}
