package io.ksiem.correlate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.asset.AssetLoader;
import io.ksiem.asset.AssetSet;
import io.ksiem.config.LoadProblem;
import io.ksiem.directive.Directive;
import io.ksiem.directive.DirectiveIndex;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.event.Event;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directives and assets an instance works with, built from the global stores of the directives and assets
 * topics and rebuilt when they change, so a push reaches every instance without a restart. Shared by the stream
 * threads of one instance.
 */
public final class Catalog {
  private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AtomicLong changes = new AtomicLong();
  private final int partitions;
  private volatile Snapshot current;

  public Catalog(int partitions) {
    this.partitions = partitions;
  }

  /** A directives or assets record arrived. */
  public void changed() {
    changes.incrementAndGet();
  }

  public long changes() {
    return changes.get();
  }

  /**
   * The route the router just computed for a record, for the partitioner that runs next on the same thread, so an
   * event is converted and matched once.
   */
  private final ThreadLocal<Object[]> lastRoute = ThreadLocal.withInitial(() -> new Object[2]);

  void rememberRoute(Object value, Set<Integer> route) {
    Object[] r = lastRoute.get();
    r[0] = value;
    r[1] = route;
  }

  /** The route remembered for exactly this record object, or null. */
  @SuppressWarnings("unchecked")
  Set<Integer> rememberedRoute(Object value) {
    Object[] r = lastRoute.get();
    return r[0] == value ? (Set<Integer>) r[1] : null;
  }

  /** The last snapshot built, or null before the first. */
  public Snapshot current() {
    return current;
  }

  /** The current snapshot, rebuilt from the stores if they changed since. */
  public Snapshot refresh(ReadOnlyKeyValueStore<String, String> directives,
      ReadOnlyKeyValueStore<String, String> assets) {
    long version = changes.get();
    Snapshot s = current;
    if (s != null && s.version == version) {
      return s;
    }
    synchronized (this) {
      s = current;
      if (s != null && s.version == version) {
        return s;
      }
      s = build(version, directives, assets);
      current = s;
      return s;
    }
  }

  private Snapshot build(long version, ReadOnlyKeyValueStore<String, String> directiveStore,
      ReadOnlyKeyValueStore<String, String> assetStore) {
    DirectiveLoader loader = new DirectiveLoader();
    Map<Integer, String> groups = new HashMap<>();
    List<Directive> previous = new ArrayList<>();
    List<String> previousGroups = new ArrayList<>();
    try (KeyValueIterator<String, String> it = directiveStore.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        try {
          ControlRecords.DirectiveRecord r = ControlRecords.readDirective(kv.value);
          ObjectNode doc = JSON.createObjectNode();
          doc.putArray("directives").add(r.directive());
          int before = loader.directives().size();
          loader.load(r.file(), doc);
          if (loader.directives().size() > before) {
            groups.put(loader.directives().get(before).id, r.group());
          }
          for (ControlRecords.DirectiveRecord p : r.previous()) {
            ObjectNode pd = JSON.createObjectNode();
            pd.putArray("directives").add(p.directive());
            for (Directive d : new DirectiveLoader().load(p.file(), pd).directives()) {
              previous.add(d);
              previousGroups.add(p.group());
            }
          }
        } catch (IOException e) {
          LOG.error("directive record {} is not readable and is skipped: {}", kv.key, e.getMessage());
        }
      }
    }
    for (LoadProblem p : loader.problems()) {
      LOG.error("directive skipped: {}", p);
    }
    ObjectNode assetDoc = JSON.createObjectNode();
    ArrayNode list = assetDoc.putArray("assets");
    try (KeyValueIterator<String, String> it = assetStore.all()) {
      while (it.hasNext()) {
        var kv = it.next();
        try {
          list.add(ControlRecords.readAsset(kv.value));
        } catch (IOException e) {
          LOG.error("asset record {} is not readable and is skipped: {}", kv.key, e.getMessage());
        }
      }
    }
    AssetLoader assets = new AssetLoader().load("assets topic", assetDoc);
    for (LoadProblem p : assets.problems()) {
      LOG.error("asset skipped: {}", p);
    }
    Snapshot s = new Snapshot(version, loader.directives(), groups, assets.assets(), partitions, previous,
        previousGroups);
    LOG.info("catalog version {}: {} directives in {} groups, {} assets", version, s.directives.size(),
        new TreeSet<>(groups.values()).size(), assets.count());
    return s;
  }

  /** The partition a directive group's state lives on: Kafka's own hash of the group name. */
  public static int partitionOf(String group, int partitions) {
    return Utils.toPositive(Utils.murmur2(group.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** One version of the directive and asset sets, with the routing of events to partitions. */
  public static final class Snapshot {
    public final long version;
    public final List<Directive> directives;
    public final AssetSet assets;
    private final Map<Integer, String> groups;
    /** Routing covers the current directives and the earlier versions records carry (see ControlRecords). */
    private final DirectiveIndex index;
    private final int[] partitionAt;
    private final boolean[] currentAt;
    private final int partitions;
    /** Routes built once: every partition, and each single one. */
    private final Set<Integer> everyPartition;
    private final List<Set<Integer>> single;

    Snapshot(long version, List<Directive> directives, Map<Integer, String> groups, AssetSet assets,
        int partitions) {
      this(version, directives, groups, assets, partitions, List.of(), List.of());
    }

    Snapshot(long version, List<Directive> directives, Map<Integer, String> groups, AssetSet assets,
        int partitions, List<Directive> previous, List<String> previousGroups) {
      this.version = version;
      this.directives = List.copyOf(directives);
      this.groups = groups;
      this.assets = assets;
      this.partitions = partitions;
      Set<Integer> every = new TreeSet<>();
      List<Set<Integer>> one = new java.util.ArrayList<>();
      for (int p = 0; p < partitions; p++) {
        every.add(p);
        one.add(Set.of(p));
      }
      this.everyPartition = java.util.Collections.unmodifiableSet(every);
      this.single = one;
      List<Directive> all = new ArrayList<>(directives);
      all.addAll(previous);
      Map<Directive, String> groupOf = new java.util.IdentityHashMap<>();
      for (Directive d : directives) {
        groupOf.put(d, groups.get(d.id));
      }
      for (int i = 0; i < previous.size(); i++) {
        groupOf.put(previous.get(i), previousGroups.get(i));
      }
      Set<Directive> current = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      current.addAll(directives);
      this.index = new DirectiveIndex(all);
      this.partitionAt = new int[index.size()];
      this.currentAt = new boolean[index.size()];
      for (int i = 0; i < partitionAt.length; i++) {
        partitionAt[i] = partitionOf(groupOf.get(index.get(i)), partitions);
        currentAt[i] = current.contains(index.get(i));
      }
    }

    public String group(int directiveId) {
      return groups.get(directiveId);
    }

    /** The directives whose group lives on this partition. */
    public List<Directive> on(int partition) {
      List<Directive> out = new ArrayList<>();
      for (int i = 0; i < partitionAt.length; i++) {
        if (partitionAt[i] == partition && currentAt[i]) {
          out.add(index.get(i));
        }
      }
      return out;
    }

    /** The partitions holding a directive whose pre-filter the event passes: the only places it is sent. */
    public Set<Integer> route(Event e) {
      int[] c = index.candidates(e);
      if (c.length == 0) {
        return Set.of();
      }
      if (c.length == 1) {
        return single.get(partitionAt[c[0]]);
      }
      Set<Integer> out = new TreeSet<>();
      for (int i : c) {
        out.add(partitionAt[i]);
      }
      return out;
    }

    /** The groups on {@code partition} holding a directive whose pre-filter {@code e} passes. */
    public java.util.SortedSet<String> groups(Event e, int partition) {
      java.util.SortedSet<String> out = new TreeSet<>();
      for (int i : index.candidates(e)) {
        if (partitionAt[i] == partition) {
          String g = groups.get(index.get(i).id);
          if (g != null) {
            out.add(g);
          }
        }
      }
      return out;
    }

    public Set<Integer> allPartitions() {
      return everyPartition;
    }

    public int partitions() {
      return partitions;
    }
  }
}
