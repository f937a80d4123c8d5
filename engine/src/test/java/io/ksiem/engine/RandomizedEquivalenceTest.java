package io.ksiem.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.alarm.AlarmJson;
import io.ksiem.asset.AssetSet;
import io.ksiem.backlog.Backlog;
import io.ksiem.backlog.BacklogCodec;
import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.directive.Directive;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.event.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import static io.ksiem.engine.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * Random directives and events: the indexes must never change what the engine does. Indexed dispatch must give
 * exactly dsiem's broadcast output, and state restored into a fresh engine mid-stream must change nothing.
 */
class RandomizedEquivalenceTest {
  private static final String[] IPS = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "192.168.1.1", "192.168.1.2",
      "203.0.113.9", "2001:db8::1", "2001:db8::2", "0.0.0.0", "not-an-ip"};
  private static final String[] ADDR = {"ANY", "ANY", "HOME_NET", "!HOME_NET", "10.0.0.0/24", "10.0.0.1",
      "!10.0.0.2", "10.0.0.0/8, !10.0.0.3", "2001:db8::/64", "2001:db8::1, 192.168.1.1"};
  private static final String[] PORTS = {"ANY", "ANY", "22", "80, 443", "!22", "0"};
  private static final String[] CUSTOM = {"", "", "ANY", "alice", "!alice", "alice,bob", "!carol,!dave"};
  private static final String[] STICKY = {"", "", "", "SRC_IP", "DST_PORT", "PLUGIN_SID", "CUSTOM_DATA1"};

  static LongStream seeds() {
    return LongStream.range(1, 31);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void indexesAndRestoresChangeNothing(long seed) {
    Random r = new Random(seed);
    List<Directive> ds = directives(r);
    AssetSet assets = Fixtures.assets("ten", "10.0.0.0/8", 1 + r.nextInt(5), "host", "10.0.0.1/32",
        1 + r.nextInt(5), "lan", "192.168.0.0/16", 2, "v6", "2001:db8::/32", 4);
    List<Event> events = events(r);
    CorrelationOptions o = new CorrelationOptions(3, 6, "Open", "Identified Threat", r.nextInt(3) == 0 ? 1 : 0);

    List<String> broadcast = run(ds, assets, o, events, Engine.Dispatch.BROADCAST, 0);
    List<String> indexed = run(ds, assets, o, events, Engine.Dispatch.INDEXED, 0);
    List<String> restored = run(ds, assets, o, events, Engine.Dispatch.INDEXED, 1 + r.nextInt(7));
    assertTrue(broadcast.size() > 20, "the random workload should produce output, got " + broadcast.size());
    assertEquals(broadcast, indexed);
    assertEquals(broadcast, restored);
  }

  private static List<String> run(List<Directive> ds, AssetSet assets, CorrelationOptions o, List<Event> evs,
      Engine.Dispatch dispatch, int restoreEvery) {
    Fixtures.Capture c = new Fixtures.Capture();
    Engine e = new Engine(ds, assets, o, c, dispatch, false);
    int n = 0;
    for (Event ev : evs) {
      e.process(ev);
      if (restoreEvery > 0 && ++n % restoreEvery == 0) {
        List<byte[]> state = new ArrayList<>();
        for (Backlog b : e.backlogs()) {
          state.add(BacklogCodec.encode(b));
        }
        Engine fresh = new Engine(ds, assets, o, c, dispatch, false);
        assertEquals(List.of(), fresh.restore(e.header(), state));
        e = fresh;
      }
    }
    e.advanceClock(T0 + 100_000);
    List<String> out = new ArrayList<>();
    c.links.forEach(l -> out.add(AlarmJson.toJson(l)));
    c.alarms.forEach(a -> out.add(AlarmJson.toJson(a)));
    return out;
  }

  private static String pick(Random r, String[] a) {
    return a[r.nextInt(a.length)];
  }

  private static List<Directive> directives(Random r) {
    ObjectNode doc = Fixtures.JSON.createObjectNode();
    ArrayNode list = doc.putArray("directives");
    for (int id = 1; id <= 12; id++) {
      int stages = 2 + r.nextInt(3);
      ObjectNode d = list.addObject();
      d.put("id", id).put("name", "d" + id + " SRC_IP to DST_IP").put("priority", 1 + r.nextInt(5))
          .put("kingdom", "K").put("category", "C").put("all_rules_always_active", r.nextInt(4) == 0);
      ArrayNode rules = d.putArray("rules");
      for (int s = 1; s <= stages; s++) {
        ObjectNode rule = rules.addObject();
        boolean taxonomy = r.nextInt(4) == 0;
        rule.put("name", "s" + s).put("stage", s).put("type", taxonomy ? "TaxonomyRule" : "PluginRule");
        if (taxonomy) {
          rule.putArray("product").add("Firewall");
          rule.put("category", r.nextBoolean() ? "Denied" : "Allowed");
        } else {
          rule.put("plugin_id", 100 + r.nextInt(2));
          rule.putArray("plugin_sid").add(1 + r.nextInt(3)).add(1 + r.nextInt(3));
        }
        boolean ref = s > 1 && r.nextInt(3) > 0;
        rule.put("from", ref ? ":" + (1 + r.nextInt(s - 1)) : pick(r, ADDR));
        rule.put("to", s > 1 && r.nextInt(3) > 0 ? ":" + (1 + r.nextInt(s - 1)) : pick(r, ADDR));
        rule.put("port_from", "ANY");
        rule.put("port_to", s > 1 && r.nextInt(4) == 0 ? ":" + (1 + r.nextInt(s - 1)) : pick(r, PORTS));
        rule.put("custom_data1", s > 1 && r.nextInt(5) == 0 ? ":" + (1 + r.nextInt(s - 1)) : pick(r, CUSTOM));
        rule.put("occurrence", 1 + r.nextInt(3)).put("reliability", r.nextInt(11)).put("timeout", 5 + r.nextInt(40));
        String sticky = s > 1 ? pick(r, STICKY) : "";
        if (taxonomy && (sticky.equals("PLUGIN_SID") || sticky.startsWith("CUSTOM"))) {
          sticky = "DST_IP";
        }
        rule.put("sticky_different", sticky);
      }
    }
    DirectiveLoader l = new DirectiveLoader().load("random", doc);
    assertEquals(List.of(), l.problems(), "generated directives must be valid");
    return l.directives();
  }

  private static List<Event> events(Random r) {
    List<Event> out = new ArrayList<>();
    long t = 0;
    for (int i = 0; i < 600; i++) {
      t += r.nextInt(10) == 0 ? 30 : r.nextInt(3);
      long ts = r.nextInt(20) == 0 ? Math.max(0, t - 8) : t; // some out of order
      String id = r.nextInt(15) == 0 && i > 0 ? "e" + r.nextInt(i) : "e" + i; // some repeated ids
      Event e = Fixtures.event(id, ts, pick(r, IPS), pick(r, IPS), 100 + r.nextInt(2), 1 + r.nextInt(3));
      if (r.nextInt(4) == 0) {
        e.pluginId = 0;
        e.pluginSid = 0;
        e.product = "Firewall";
        e.category = r.nextBoolean() ? "Denied" : "Allowed";
      }
      e.dstPort = new int[] {0, 22, 80, 443}[r.nextInt(4)];
      e.customData1 = new String[] {"", "alice", "Alice", "bob", "carol"}[r.nextInt(5)];
      e.customLabel1 = "user";
      out.add(e);
    }
    return out;
  }
}
