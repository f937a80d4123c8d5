package io.ksiem.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ksiem.backlog.CorrelationOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One acceptance scenario (test resources {@code scenarios/sNN.json}): inputs and the expected output, and the
 * comparison that the scenarios' {@code compare.py} makes, in Java. Output is normalized as there: alarm-event links
 * grouped per alarm id into backlogs, snapshots grouped per alarm id, both compared as multisets (ids and times are
 * not compared), networks as a set; {@code ordered} also requires the D7 order of first appearance.
 */
public final class Scenario {
  static final ObjectMapper JSON = new ObjectMapper();

  public final String name;
  public final JsonNode root;

  private Scenario(String name, JsonNode root) {
    this.name = name;
    this.root = root;
  }

  /** Every scenario listed in {@code scenarios/index.txt}. */
  public static List<String> names() {
    try (InputStream in = resource("index.txt");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      List<String> out = new ArrayList<>();
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.isBlank()) {
          out.add(line.trim().replace(".json", ""));
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Scenario load(String name) {
    try (InputStream in = resource(name + ".json")) {
      return new Scenario(name, JSON.readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream resource(String file) throws IOException {
    InputStream in = Scenario.class.getClassLoader().getResourceAsStream("scenarios/" + file);
    if (in == null) {
      throw new IOException("no test resource scenarios/" + file);
    }
    return in;
  }

  /** The events file's lines: events in order with {@code raw_lines} inserted at their 1-based positions. */
  public List<String> inputLines() {
    Map<Integer, String> raw = new HashMap<>();
    for (JsonNode r : root.path("raw_lines")) {
      raw.put(r.get("line").asInt(), r.get("text").asText());
    }
    Iterator<JsonNode> events = root.get("events").iterator();
    int total = root.get("events").size() + raw.size();
    List<String> lines = new ArrayList<>();
    for (int n = 1; n <= total; n++) {
      lines.add(raw.containsKey(n) ? raw.get(n) : events.next().toString());
    }
    return lines;
  }

  /** Writes directives.json, assets.json and events.jsonl into {@code dir}, as compare.py --make-inputs does. */
  public void writeInputs(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("directives.json"), root.get("directives").toPrettyString());
    Files.writeString(dir.resolve("assets.json"), root.get("assets").toPrettyString());
    Files.write(dir.resolve("events.jsonl"), inputLines(), StandardCharsets.UTF_8);
  }

  public String until() {
    JsonNode u = root.get("until");
    return u == null || u.isNull() ? null : u.asText();
  }

  /** The replay flags for the scenario's options (and --until). */
  public List<String> optionArgs() {
    List<String> args = new ArrayList<>();
    if (until() != null) {
      args.add("--until");
      args.add(until());
    }
    root.path("options").fields().forEachRemaining(f -> {
      args.add("--" + f.getKey().replace("_", "-"));
      JsonNode v = f.getValue();
      if (v.isArray()) {
        List<String> parts = new ArrayList<>();
        v.forEach(x -> parts.add(x.asText()));
        args.add(String.join(",", parts));
      } else {
        args.add(v.asText());
      }
    });
    return args;
  }

  public CorrelationOptions correlationOptions() {
    JsonNode o = root.path("options");
    return new CorrelationOptions(o.path("med_risk_min").asInt(3), o.path("med_risk_max").asInt(6),
        o.has("status") ? o.get("status").get(0).asText() : CorrelationOptions.DEFAULT_STATUS.get(0),
        o.has("tags") ? o.get("tags").get(0).asText() : CorrelationOptions.DEFAULT_TAGS.get(0),
        o.path("min_alarm_lifetime").asInt(0));
  }

  public List<Integer> expectedLoadedIds() {
    JsonNode ids = root.path("expected").get("loaded_directive_ids");
    if (ids == null) {
      return null;
    }
    List<Integer> out = new ArrayList<>();
    ids.forEach(i -> out.add(i.asInt()));
    return out;
  }

  /**
   * Compares engine output (JSON lines) with the expectation. Returns the differences, empty when it matches.
   * {@code rejectLines} may be null (not compared).
   */
  public List<String> compare(List<String> alarmLines, List<String> alarmEventLines, List<Integer> rejectLines,
      boolean ordered) {
    return Comparison.compare(root.get("expected"), alarmLines, alarmEventLines, rejectLines, ordered);
  }
}
