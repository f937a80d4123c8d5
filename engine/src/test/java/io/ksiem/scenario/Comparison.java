package io.ksiem.scenario;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** compare.py's normalization and multiset comparison. */
final class Comparison {
  private Comparison() {
  }

  static List<String> compare(JsonNode expected, List<String> alarmLines, List<String> linkLines,
      List<Integer> rejects, boolean ordered) {
    List<Map<String, Object>> alarms = parse(alarmLines);
    List<Map<String, Object>> links = parse(linkLines);
    List<Object> actualBacklogs = new ArrayList<>();
    List<Object> actualAlarms = new ArrayList<>();
    normalize(alarms, links, actualBacklogs, actualAlarms);

    List<Object> expBacklogs = new ArrayList<>();
    for (JsonNode b : expected.path("backlogs")) {
      Map<String, Object> m = new TreeMap<>();
      m.put("alarm", b.get("alarm").asBoolean());
      Map<String, Object> stages = new TreeMap<>();
      b.get("stages").fields().forEachRemaining(f -> stages.put(f.getKey(), strings(f.getValue())));
      m.put("stages", stages);
      expBacklogs.add(m);
    }
    List<Object> expAlarms = new ArrayList<>();
    for (JsonNode a : expected.path("alarms")) {
      Map<String, Object> m = new TreeMap<>();
      m.put("title", a.get("title").asText());
      m.put("kingdom", a.get("kingdom").asText());
      m.put("category", a.get("category").asText());
      List<Object> records = new ArrayList<>();
      for (JsonNode r : a.get("records")) {
        records.add(record(Scenario.JSON.convertValue(r, new TypeReference<Map<String, Object>>() { })));
      }
      m.put("records", records);
      expAlarms.add(m);
    }

    List<String> report = new ArrayList<>();
    diff("backlog", expBacklogs, actualBacklogs, ordered, report);
    diff("alarm", expAlarms, actualAlarms, ordered, report);
    if (rejects != null) {
      List<Integer> exp = new ArrayList<>();
      expected.path("rejects").forEach(x -> exp.add(x.asInt()));
      List<Integer> act = new ArrayList<>(rejects);
      exp.sort(null);
      act.sort(null);
      if (!exp.equals(act)) {
        report.add("REJECTS differ: expected lines " + exp + ", got lines " + act);
      }
    }
    return report;
  }

  private static void diff(String what, List<Object> exp, List<Object> act, boolean ordered, List<String> report) {
    Map<Object, Integer> counts = new HashMap<>();
    exp.forEach(x -> counts.merge(x, 1, Integer::sum));
    act.forEach(x -> counts.merge(x, -1, Integer::sum));
    boolean same = true;
    for (Map.Entry<Object, Integer> e : counts.entrySet()) {
      if (e.getValue() > 0) {
        report.add("missing " + what + " (x" + e.getValue() + "): " + e.getKey());
        same = false;
      } else if (e.getValue() < 0) {
        report.add("unexpected " + what + " (x" + -e.getValue() + "): " + e.getKey());
        same = false;
      }
    }
    if (same && ordered && !exp.equals(act)) {
      report.add(what.toUpperCase() + " ORDER differs (D7): expected " + exp + ", got " + act);
    }
  }

  private static List<String> strings(JsonNode arr) {
    List<String> out = new ArrayList<>();
    arr.forEach(x -> out.add(x.asText()));
    return out;
  }

  private static List<Map<String, Object>> parse(List<String> lines) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String l : lines) {
      if (l.isBlank()) {
        continue;
      }
      try {
        out.add(Scenario.JSON.readValue(l, new TypeReference<Map<String, Object>>() { }));
      } catch (IOException e) {
        throw new UncheckedIOException("output line is not JSON: " + l, e);
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static void normalize(List<Map<String, Object>> alarms, List<Map<String, Object>> links,
      List<Object> backlogsOut, List<Object> alarmsOut) {
    Map<String, List<Map<String, Object>>> byAlarm = new LinkedHashMap<>();
    for (Map<String, Object> a : alarms) {
      byAlarm.computeIfAbsent((String) a.get("alarm_id"), k -> new ArrayList<>()).add(a);
    }
    Map<String, Map<String, Object>> stagesById = new LinkedHashMap<>();
    for (Map<String, Object> l : links) {
      Map<String, Object> stages = stagesById.computeIfAbsent((String) l.get("alarm_id"), k -> new TreeMap<>());
      ((List<String>) stages.computeIfAbsent(String.valueOf(l.get("stage")), k -> new ArrayList<String>()))
          .add((String) l.get("event_id"));
    }
    stagesById.forEach((id, stages) -> {
      Map<String, Object> m = new TreeMap<>();
      m.put("alarm", byAlarm.containsKey(id));
      m.put("stages", stages);
      backlogsOut.add(m);
    });
    byAlarm.forEach((id, recs) -> {
      Map<String, Object> m = new TreeMap<>();
      m.put("title", recs.get(0).get("title"));
      m.put("kingdom", recs.get(0).get("kingdom"));
      m.put("category", recs.get(0).get("category"));
      List<Object> records = new ArrayList<>();
      recs.forEach(r -> records.add(record(r)));
      m.put("records", records);
      alarmsOut.add(m);
    });
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> record(Map<String, Object> r) {
    Map<String, Object> m = new TreeMap<>();
    m.put("risk", r.get("risk"));
    m.put("risk_class", r.get("risk_class"));
    m.put("status", r.get("status"));
    m.put("tag", r.get("tag"));
    m.put("src_ips", orEmpty(r.get("src_ips")));
    m.put("dst_ips", orEmpty(r.get("dst_ips")));
    List<Object> networks = new ArrayList<>(orEmpty(r.get("networks")));
    networks.sort(null);
    m.put("networks", networks);
    m.put("custom_data", orEmpty(r.get("custom_data")));
    List<Object> rules = new ArrayList<>();
    for (Object x : orEmpty(r.get("rules"))) {
      if (x instanceof Map) {
        Map<String, Object> rule = (Map<String, Object>) x;
        Object status = rule.get("status");
        rules.add(List.of(rule.get("stage"), status == null ? "" : status, rule.getOrDefault("from", ""),
            rule.getOrDefault("to", ""), rule.getOrDefault("port_from", ""), rule.getOrDefault("port_to", "")));
      } else {
        List<Object> l = new ArrayList<>((List<Object>) x);
        if (l.get(1) == null) {
          l.set(1, "");
        }
        rules.add(l);
      }
    }
    m.put("rules", rules);
    return m;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> orEmpty(Object o) {
    return o == null ? List.of() : (List<Object>) o;
  }
}
