package io.ksiem.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.alarm.AlarmLink;
import io.ksiem.alarm.AlarmOutput;
import io.ksiem.alarm.AlarmSnapshot;
import io.ksiem.asset.AssetLoader;
import io.ksiem.asset.AssetSet;
import io.ksiem.directive.Directive;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.event.Event;
import io.ksiem.event.EventParser;
import java.util.ArrayList;
import java.util.List;

/** Small builders for directives, assets and events in engine tests. */
public final class Fixtures {
  public static final ObjectMapper JSON = new ObjectMapper();
  /** 2026-01-05T10:00:00Z */
  public static final long T0 = 1767607200L;

  private Fixtures() {
  }

  /** A PluginRule with ANY everywhere, occurrence 1, reliability 5, timeout 60; adjust with {@code set}. */
  public static ObjectNode rule(int stage, int pluginId, int sid) {
    ObjectNode r = JSON.createObjectNode();
    r.put("name", "stage " + stage).put("type", "PluginRule").put("stage", stage).put("plugin_id", pluginId);
    r.putArray("plugin_sid").add(sid);
    r.put("occurrence", 1).put("from", "ANY").put("to", "ANY").put("port_from", "ANY").put("port_to", "ANY")
        .put("protocol", "ANY").put("reliability", 5).put("timeout", 60);
    return r;
  }

  public static ObjectNode directive(int id, String name, int priority, ObjectNode... rules) {
    ObjectNode d = JSON.createObjectNode();
    d.put("id", id).put("name", name).put("priority", priority).put("kingdom", "K").put("category", "C");
    ArrayNode a = d.putArray("rules");
    for (ObjectNode r : rules) {
      a.add(r);
    }
    return d;
  }

  public static List<Directive> load(ObjectNode... directives) {
    ObjectNode doc = JSON.createObjectNode();
    ArrayNode a = doc.putArray("directives");
    for (ObjectNode d : directives) {
      a.add(d);
    }
    DirectiveLoader l = new DirectiveLoader().load("test", doc);
    if (!l.problems().isEmpty()) {
      throw new AssertionError("fixture directives rejected: " + l.problems());
    }
    return l.directives();
  }

  /** Assets given as name, cidr, value triples. */
  public static AssetSet assets(Object... triples) {
    ObjectNode doc = JSON.createObjectNode();
    ArrayNode a = doc.putArray("assets");
    for (int i = 0; i < triples.length; i += 3) {
      a.addObject().put("name", (String) triples[i]).put("cidr", (String) triples[i + 1])
          .put("value", (Integer) triples[i + 2]);
    }
    return new AssetLoader().load("test", doc).assets();
  }

  /** A valid plugin event {@code offset} seconds after T0. */
  public static Event event(String id, long offset, String src, String dst, int pluginId, int sid) {
    Event e = new Event();
    e.eventId = id;
    e.timestamp = java.time.Instant.ofEpochSecond(T0 + offset).toString();
    e.sensor = "sensor1";
    e.srcIp = src;
    e.dstIp = dst;
    e.pluginId = pluginId;
    e.pluginSid = sid;
    EventParser.Result r = EventParser.validate(e);
    if (!r.ok()) {
      throw new AssertionError(r.reason());
    }
    return e;
  }

  /** Collects output, and renders alarm-event links as "alarm/stage/event" with alarms numbered by appearance. */
  public static final class Capture implements AlarmOutput {
    public final List<AlarmSnapshot> alarms = new ArrayList<>();
    public final List<AlarmLink> links = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();

    @Override
    public void alarm(AlarmSnapshot a) {
      alarms.add(a);
    }

    @Override
    public void link(AlarmLink l) {
      links.add(l);
    }

    private int number(String alarmId) {
      if (!ids.contains(alarmId)) {
        ids.add(alarmId);
      }
      return ids.indexOf(alarmId) + 1;
    }

    /** Links as {@code "B1/2/e3"}: backlog 1 (in order of first appearance), stage 2, event e3. */
    public List<String> linkText() {
      List<String> out = new ArrayList<>();
      for (AlarmLink l : links) {
        out.add("B" + number(l.alarmId()) + "/" + l.stage() + "/" + l.eventId());
      }
      return out;
    }
  }
}
