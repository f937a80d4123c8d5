package io.ksiem.directive;

import io.ksiem.event.Event;
import io.ksiem.rule.Rule;
import io.ksiem.rule.RuleType;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The directive pre-filter as an index (D2): an event reaches a directive iff it could match one of its rules by that
 * rule's own type, a PluginRule by {@code (plugin_id, plugin_sid)} and a TaxonomyRule by {@code (product,
 * category)}. A lookup costs two hash probes, not one test per directive as in dsiem. Results are directive
 * positions in ascending id order (D7).
 */
public final class DirectiveIndex {
  private static final int[] NONE = new int[0];

  private final Directive[] directives;
  private final Long2ObjectOpenHashMap<int[]> byPlugin = new Long2ObjectOpenHashMap<>();
  /** category, then product. */
  private final Map<String, Map<String, int[]>> byTaxonomy = new HashMap<>();

  public DirectiveIndex(List<Directive> list) {
    this.directives = list.toArray(new Directive[0]);
    Arrays.sort(directives, Comparator.comparingInt(d -> d.id));
    Map<Long, TreeSet<Integer>> plugin = new HashMap<>();
    Map<String, Map<String, TreeSet<Integer>>> taxonomy = new HashMap<>();
    for (int i = 0; i < directives.length; i++) {
      for (Rule r : directives[i].rules()) {
        if (r.type == RuleType.PluginRule) {
          for (int sid : r.pluginSids()) {
            plugin.computeIfAbsent(key(r.pluginId, sid), k -> new TreeSet<>()).add(i);
          }
        } else {
          for (String p : r.product) {
            taxonomy.computeIfAbsent(r.category, k -> new HashMap<>()).computeIfAbsent(p, k -> new TreeSet<>()).add(i);
          }
        }
      }
    }
    plugin.forEach((k, v) -> byPlugin.put(k, toArray(v)));
    taxonomy.forEach((c, m) -> {
      Map<String, int[]> out = new HashMap<>();
      m.forEach((p, v) -> out.put(p, toArray(v)));
      byTaxonomy.put(c, out);
    });
  }

  private static int[] toArray(TreeSet<Integer> s) {
    return s.stream().mapToInt(Integer::intValue).toArray();
  }

  private static long key(int pluginId, int sid) {
    return ((long) pluginId << 32) | (sid & 0xffffffffL);
  }

  /** The directives in ascending id order. */
  public Directive[] directives() {
    return directives.clone();
  }

  public int size() {
    return directives.length;
  }

  public Directive get(int position) {
    return directives[position];
  }

  /** Positions of the directives whose pre-filter the event passes, ascending; do not modify the array. */
  public int[] candidates(Event e) {
    int[] a = e.pluginId == 0 ? null : byPlugin.get(key(e.pluginId, e.pluginSid));
    int[] b = null;
    if (!e.category.isEmpty()) {
      Map<String, int[]> m = byTaxonomy.get(e.category);
      b = m == null ? null : m.get(e.product);
    }
    if (a == null) {
      return b == null ? NONE : b;
    }
    if (b == null) {
      return a;
    }
    return merge(a, b);
  }

  /** The pre-filter of one directive tested rule by rule, as dsiem's manager does for every event. */
  public static boolean passes(Directive d, Event e) {
    for (int s = 1; s <= d.stages(); s++) {
      Rule r = d.rule(s);
      if (r.type == RuleType.PluginRule) {
        if (e.pluginId == r.pluginId && r.hasPluginSid(e.pluginSid)) {
          return true;
        }
      } else if (r.category.equals(e.category) && r.product.contains(e.product)) {
        return true;
      }
    }
    return false;
  }

  private static int[] merge(int[] a, int[] b) {
    List<Integer> out = new ArrayList<>(a.length + b.length);
    int i = 0;
    int j = 0;
    while (i < a.length || j < b.length) {
      int next;
      if (j >= b.length || (i < a.length && a[i] <= b[j])) {
        next = a[i++];
      } else {
        next = b[j++];
      }
      if (out.isEmpty() || out.get(out.size() - 1) != next) {
        out.add(next);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
