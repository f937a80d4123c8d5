package io.ksiem.engine;

import io.ksiem.asset.AssetSet;
import io.ksiem.backlog.Backlog;
import io.ksiem.backlog.BacklogCodec;
import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.directive.Directive;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static io.ksiem.engine.Fixtures.directive;
import static io.ksiem.engine.Fixtures.event;
import static io.ksiem.engine.Fixtures.load;
import static io.ksiem.engine.Fixtures.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** State through bytes: change tracking for a store, and backlogs whose directive is gone or changed shape. */
class StateRestoreTest {
  private static final AssetSet ASSETS = Fixtures.assets("ten", "10.0.0.0/8", 5);

  private static List<Directive> twoStages() {
    return load(directive(1, "d", 5, rule(1, 100, 1), rule(2, 100, 1).put("from", ":1").put("occurrence", 3)));
  }

  @Test
  void trackedChangesRebuildTheSameState() {
    Fixtures.Capture c = new Fixtures.Capture();
    Engine e = new Engine(twoStages(), ASSETS, CorrelationOptions.defaults(), c, Engine.Dispatch.INDEXED, true);
    Map<String, byte[]> store = new LinkedHashMap<>();
    Engine.ChangeListener toStore = new Engine.ChangeListener() {
      @Override
      public void changed(String id, byte[] state) {
        store.put(id, state);
      }

      @Override
      public void removed(String id) {
        store.remove(id);
      }
    };
    String[] srcs = {"10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.1", "10.0.0.3", "10.0.0.1", "10.0.0.2"};
    for (int i = 0; i < srcs.length; i++) {
      e.process(event("e" + i, i, srcs[i], "10.0.0.9", 100, 1));
      e.drainChanges(toStore);
    }
    // 10.0.0.1 completed (e0, e2, e3, e5) and is gone; 10.0.0.2 and 10.0.0.3 are live
    assertEquals(2, store.size());
    assertEquals(2, e.liveBacklogs());
    List<byte[]> direct = new ArrayList<>();
    for (Backlog b : e.backlogs()) {
      direct.add(BacklogCodec.encode(b));
    }
    List<byte[]> fromStore = new ArrayList<>(store.values());
    for (int i = 0; i < direct.size(); i++) {
      assertEquals(new String(direct.get(i), java.nio.charset.StandardCharsets.ISO_8859_1),
          new String(fromStore.get(i), java.nio.charset.StandardCharsets.ISO_8859_1));
    }
  }

  @Test
  void backlogsOfRemovedOrReshapedDirectivesAreReportedNotSilentlyDropped() {
    Fixtures.Capture c = new Fixtures.Capture();
    Engine e = new Engine(twoStages(), ASSETS, CorrelationOptions.defaults(), c);
    e.process(event("e1", 0, "10.0.0.1", "10.0.0.9", 100, 1));
    List<byte[]> state = new ArrayList<>();
    e.backlogs().forEach(b -> state.add(BacklogCodec.encode(b)));

    Engine other = new Engine(load(directive(2, "other", 5, rule(1, 100, 1), rule(2, 100, 1))), ASSETS,
        CorrelationOptions.defaults(), c);
    List<String> orphans = other.restore(e.header(), state);
    assertEquals(1, orphans.size());
    assertTrue(orphans.get(0).contains("directive 1 is no longer loaded"), orphans.get(0));

    Engine reshaped = new Engine(load(directive(1, "d", 5, rule(1, 100, 1), rule(2, 100, 1), rule(3, 100, 1))),
        ASSETS, CorrelationOptions.defaults(), c);
    List<String> problems = reshaped.restore(e.header(), state);
    assertTrue(problems.get(0).contains("now has 3 stages"), problems.get(0));
  }
}
