package io.ksiem.correlate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ksiem.asset.Asset;
import io.ksiem.directive.Directive;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values of the directives and assets topics. A directive travels as {@code {"group", "file", "directive"}}
 * with the directive's own JSON, so every instance validates and compiles it the same way; an asset as its dsiem
 * JSON object.
 */
public final class ControlRecords {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NODE = Pattern.compile("^directives_([^_]+)_.*\\.json$");

  private ControlRecords() {
  }

  /** How directives are put into groups. */
  public enum GroupBy {
    /** {@code g<id mod groups>}: spreads directives evenly whatever their files. */
    ID,
    /** The node part of a dsiem file name {@code directives_<node>_*.json}, so dsiem's split carries over. */
    FILE
  }

  public static String group(Directive d, GroupBy by, int groups) {
    if (by == GroupBy.FILE) {
      Matcher m = NODE.matcher(Path.of(d.source).getFileName().toString());
      if (m.matches()) {
        return m.group(1);
      }
    }
    return "g" + Math.floorMod(d.id, groups);
  }

  /** How many earlier versions a directive record carries, so events still reach backlogs started under them. */
  public static final int VERSIONS_KEPT = 3;

  public static String directiveValue(Directive d, String group) {
    return directiveValue(d, group, null);
  }

  /**
   * The record for a directive; {@code replaced} is the record it replaces (or null), whose version and earlier
   * ones are kept as {@code previous} when the directive changed.
   */
  public static String directiveValue(Directive d, String group, String replaced) {
    try {
      ObjectNode o = JSON.createObjectNode();
      o.put("group", group);
      o.put("file", Path.of(d.source).getFileName().toString());
      o.set("directive", JSON.readTree(d.json));
      if (replaced != null) {
        DirectiveRecord old = readDirective(replaced);
        var previous = o.putArray("previous");
        if (!old.directive().equals(o.get("directive"))) {
          previous.add(JSON.createObjectNode().put("group", old.group()).put("file", old.file())
              .set("directive", old.directive()));
        }
        for (DirectiveRecord p : old.previous()) {
          if (previous.size() < VERSIONS_KEPT && !p.directive().equals(o.get("directive"))) {
            previous.add(JSON.createObjectNode().put("group", p.group()).put("file", p.file())
                .set("directive", p.directive()));
          }
        }
      }
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A directive record as read back: its group, file, directive JSON and earlier versions (newest first). */
  public record DirectiveRecord(String group, String file, JsonNode directive, java.util.List<DirectiveRecord> previous) {
  }

  public static DirectiveRecord readDirective(String value) throws IOException {
    return read(JSON.readTree(value), true);
  }

  private static DirectiveRecord read(JsonNode n, boolean withPrevious) throws IOException {
    if (n == null || !n.path("directive").isObject()) {
      throw new IOException("not a directive record: no \"directive\" object");
    }
    java.util.List<DirectiveRecord> previous = new java.util.ArrayList<>();
    if (withPrevious) {
      for (JsonNode p : n.path("previous")) {
        previous.add(read(p, false));
      }
    }
    return new DirectiveRecord(n.path("group").asText(""), n.path("file").asText("directives_topic.json"),
        n.get("directive"), previous);
  }

  public static String assetValue(Asset a) {
    ObjectNode o = JSON.createObjectNode();
    o.put("name", a.name());
    o.put("cidr", a.cidr().toString());
    o.put("value", a.value());
    o.put("whitelisted", a.whitelisted());
    return o.toString();
  }

  public static JsonNode readAsset(String value) throws IOException {
    return JSON.readTree(value);
  }
}
