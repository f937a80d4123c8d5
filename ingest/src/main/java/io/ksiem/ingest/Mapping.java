package io.ksiem.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ksiem.event.Event;
import io.ksiem.event.EventParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A declarative mapping from one JSON log source to normalized events: conditions a record must meet, optional
 * regular expressions whose named groups become values, and for each normalized field where its value comes from
 * (a JSON path, a named group or a constant), with lookup tables and defaults. A new source is a new file, not code.
 * The format is described in docs/ingest-mappings.md.
 */
public final class Mapping implements Normalizer {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Set<String> FIELDS = Set.of("event_id", "timestamp", "title", "sensor", "src_ip", "dst_ip",
      "src_port", "dst_port", "protocol", "plugin_id", "plugin_sid", "product", "category", "subcategory",
      "custom_label1", "custom_label2", "custom_label3", "custom_data1", "custom_data2", "custom_data3");
  /** ISO 8601 with any fraction and an offset written +HH:MM, +HHMM, +HH or Z (Suricata writes +0000). */
  private static final DateTimeFormatter ISO8601 = new java.time.format.DateTimeFormatterBuilder()
      .append(DateTimeFormatter.ISO_LOCAL_DATE).appendLiteral('T').appendPattern("HH:mm:ss")
      .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
      .optionalStart().appendPattern("[XXX][XX][X]").optionalEnd().toFormatter();
  private static final Set<String> NUMBERS = Set.of("src_port", "dst_port", "plugin_id", "plugin_sid");

  private final String source;
  private final List<Condition> when = new ArrayList<>();
  private final List<Extract> parse = new ArrayList<>();
  private final boolean deadLetterUnmatched;
  private final Map<String, Field> fields = new LinkedHashMap<>();

  private record Condition(String path, Set<String> anyOf) {
  }

  private record Extract(String path, Pattern regex, List<String> groups) {
  }

  private static final Pattern GROUP_NAME = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");

  private record Field(String path, String group, JsonNode constant, Map<String, JsonNode> lookup,
      JsonNode fallback, DateTimeFormatter format) {
  }

  /** Thrown for a mapping file that is not valid; the message names the file and the problem. */
  public static final class InvalidMappingException extends IOException {
    InvalidMappingException(String message) {
      super(message);
    }
  }

  private Mapping(String name, JsonNode doc) throws InvalidMappingException {
    this.source = doc.path("source").asText("");
    if (!source.matches("[a-z0-9][a-z0-9_-]*")) {
      throw new InvalidMappingException(name + ": \"source\" must be a lower-case name, not '" + source + "'");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("when").fields(); it.hasNext(); ) {
      var e = it.next();
      Set<String> values = new java.util.HashSet<>();
      if (e.getValue().isArray()) {
        e.getValue().forEach(v -> values.add(v.asText()));
      } else {
        values.add(e.getValue().asText());
      }
      when.add(new Condition(e.getKey(), values));
    }
    for (JsonNode p : doc.path("parse")) {
      try {
        String regex = p.path("regex").asText();
        List<String> names = new ArrayList<>();
        Matcher g = GROUP_NAME.matcher(regex);
        while (g.find()) {
          names.add(g.group(1));
        }
        parse.add(new Extract(p.path("path").asText("message"), Pattern.compile(regex), names));
      } catch (java.util.regex.PatternSyntaxException ex) {
        throw new InvalidMappingException(name + ": parse regex does not compile: " + ex.getMessage());
      }
    }
    String unmatched = doc.path("unmatched").asText("dead-letter");
    if (!unmatched.equals("skip") && !unmatched.equals("dead-letter")) {
      throw new InvalidMappingException(name + ": \"unmatched\" is skip or dead-letter, not '" + unmatched + "'");
    }
    this.deadLetterUnmatched = unmatched.equals("dead-letter");
    if (!doc.path("fields").isObject()) {
      throw new InvalidMappingException(name + ": no \"fields\" object");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("fields").fields(); it.hasNext(); ) {
      var e = it.next();
      if (!FIELDS.contains(e.getKey())) {
        throw new InvalidMappingException(name + ": \"" + e.getKey() + "\" is not a normalized event field");
      }
      fields.put(e.getKey(), field(name, e.getKey(), e.getValue()));
    }
    for (String required : List.of("timestamp", "src_ip", "dst_ip")) {
      if (!fields.containsKey(required)) {
        throw new InvalidMappingException(name + ": field \"" + required + "\" has no mapping");
      }
    }
  }

  private static Field field(String name, String key, JsonNode spec) throws InvalidMappingException {
    if (spec.isTextual()) {
      return new Field(spec.asText(), null, null, Map.of(), null, null);
    }
    if (!spec.isObject()) {
      throw new InvalidMappingException(name + ": field \"" + key + "\" must be a path or an object");
    }
    int sources = (spec.has("path") ? 1 : 0) + (spec.has("group") ? 1 : 0) + (spec.has("const") ? 1 : 0);
    if (sources != 1) {
      throw new InvalidMappingException(name + ": field \"" + key + "\" needs exactly one of path, group, const");
    }
    Map<String, JsonNode> lookup = new LinkedHashMap<>();
    spec.path("lookup").fields().forEachRemaining(e -> lookup.put(e.getKey(), e.getValue()));
    DateTimeFormatter format = null;
    if (spec.has("format")) {
      try {
        format = spec.get("format").asText().equals("iso8601") ? ISO8601
            : DateTimeFormatter.ofPattern(spec.get("format").asText());
      } catch (IllegalArgumentException ex) {
        throw new InvalidMappingException(name + ": field \"" + key + "\" format: " + ex.getMessage());
      }
    }
    return new Field(spec.has("path") ? spec.get("path").asText() : null,
        spec.has("group") ? spec.get("group").asText() : null, spec.get("const"), lookup, spec.get("default"),
        format);
  }

  public static Mapping load(Path file) throws IOException {
    try (InputStream in = java.nio.file.Files.newInputStream(file)) {
      return load(file.getFileName().toString(), in);
    }
  }

  public static Mapping load(String name, InputStream in) throws IOException {
    JsonNode doc;
    try {
      doc = JSON.readTree(in);
    } catch (IOException e) {
      throw new InvalidMappingException(name + ": not JSON: " + e.getMessage());
    }
    return new Mapping(name, doc);
  }

  /** A mapping shipped with ksiem: {@code suricata} or {@code openssh}. */
  public static Mapping builtIn(String source) throws IOException {
    InputStream in = Mapping.class.getResourceAsStream("/mappings/" + source + ".json");
    if (in == null) {
      throw new IOException("no built-in mapping named " + source);
    }
    try (in) {
      return load(source + ".json", in);
    }
  }

  @Override
  public String source() {
    return source;
  }

  @Override
  public Outcome normalize(byte[] value, String origin) {
    JsonNode doc;
    try {
      doc = JSON.readTree(value);
    } catch (IOException e) {
      return Outcome.failed("not JSON: " + e.getMessage().split("\n")[0]);
    }
    if (doc == null || !doc.isObject()) {
      return Outcome.failed("not a JSON object");
    }
    for (Condition c : when) {
      JsonNode v = at(doc, c.path);
      if (v == null || !c.anyOf.contains(v.asText())) {
        return Outcome.skip(c.path + " is not " + String.join(" or ", c.anyOf));
      }
    }
    Map<String, String> groups = Map.of();
    if (!parse.isEmpty()) {
      groups = null;
      for (Extract x : parse) {
        JsonNode v = at(doc, x.path);
        Matcher m = v == null ? null : x.regex.matcher(v.asText());
        if (m != null && m.find()) {
          groups = namedGroups(x.groups, m);
          break;
        }
      }
      if (groups == null) {
        String why = "no parse pattern matches " + parse.get(0).path;
        return deadLetterUnmatched ? Outcome.failed(why) : Outcome.skip(why);
      }
    }
    Event e = new Event();
    for (Map.Entry<String, Field> f : fields.entrySet()) {
      String err = set(e, f.getKey(), f.getValue(), doc, groups);
      if (err != null) {
        return Outcome.failed(f.getKey() + ": " + err);
      }
    }
    if (e.eventId.isEmpty()) {
      e.eventId = UUID.nameUUIDFromBytes(origin.getBytes(StandardCharsets.UTF_8)).toString();
    }
    if (e.sensor.isEmpty()) {
      e.sensor = source;
    }
    EventParser.Result r = EventParser.validate(e);
    return r.ok() ? Outcome.of(r.event()) : Outcome.failed(r.reason());
  }

  private static Map<String, String> namedGroups(List<String> names, Matcher m) {
    Map<String, String> out = new java.util.HashMap<>();
    for (String name : names) {
      String v = m.group(name);
      if (v != null) {
        out.put(name, v);
      }
    }
    return out;
  }

  private static String set(Event e, String key, Field f, JsonNode doc, Map<String, String> groups) {
    JsonNode v;
    if (f.constant != null) {
      v = f.constant;
    } else if (f.group != null) {
      String g = groups.get(f.group);
      v = g == null ? null : JSON.getNodeFactory().textNode(g);
    } else {
      v = at(doc, f.path);
    }
    if (v != null && !v.isNull() && !f.lookup.isEmpty()) {
      JsonNode mapped = f.lookup.get(v.asText());
      if (mapped == null && f.fallback == null) {
        return "no lookup entry for '" + v.asText() + "'";
      }
      v = mapped;
    }
    if (v == null || v.isNull() || (v.isTextual() && v.asText().isEmpty())) {
      v = f.fallback;
    }
    if (v == null || v.isNull()) {
      return null;
    }
    if (NUMBERS.contains(key)) {
      int n;
      if (v.isIntegralNumber() && v.canConvertToInt()) {
        n = v.asInt();
      } else {
        try {
          n = Integer.parseInt(v.asText().trim());
        } catch (NumberFormatException ex) {
          return "'" + v.asText() + "' is not an integer";
        }
      }
      switch (key) {
        case "src_port" -> e.srcPort = n;
        case "dst_port" -> e.dstPort = n;
        case "plugin_id" -> e.pluginId = n;
        default -> e.pluginSid = n;
      }
      return null;
    }
    String s = v.isValueNode() ? v.asText() : v.toString();
    if (key.equals("timestamp") && f.format != null) {
      try {
        TemporalAccessor t = f.format.parse(s);
        Instant i = t.isSupported(ChronoField.OFFSET_SECONDS) ? Instant.from(t)
            : java.time.LocalDateTime.from(t).toInstant(ZoneOffset.UTC);
        s = DateTimeFormatter.ISO_INSTANT.format(i);
      } catch (java.time.DateTimeException ex) {
        return "'" + s + "' does not have the format of the mapping: " + ex.getMessage();
      }
    }
    switch (key) {
      case "event_id" -> e.eventId = s;
      case "timestamp" -> e.timestamp = s;
      case "title" -> e.title = s;
      case "sensor" -> e.sensor = s;
      case "src_ip" -> e.srcIp = s;
      case "dst_ip" -> e.dstIp = s;
      case "protocol" -> e.protocol = s;
      case "product" -> e.product = s;
      case "category" -> e.category = s;
      case "subcategory" -> e.subcategory = s;
      case "custom_label1" -> e.customLabel1 = s;
      case "custom_label2" -> e.customLabel2 = s;
      case "custom_label3" -> e.customLabel3 = s;
      case "custom_data1" -> e.customData1 = s;
      case "custom_data2" -> e.customData2 = s;
      default -> e.customData3 = s;
    }
    return null;
  }

  /** A dotted path with optional array indexes: {@code alert.signature}, {@code host.ip[0]}. */
  static JsonNode at(JsonNode doc, String path) {
    JsonNode n = doc;
    for (String part : path.split("\\.")) {
      int bracket = part.indexOf('[');
      String name = bracket < 0 ? part : part.substring(0, bracket);
      if (!name.isEmpty()) {
        n = n.get(name);
        if (n == null) {
          // a flat key holding dots, as some shippers write ("host.name")
          return doc.get(path);
        }
      }
      while (bracket >= 0) {
        int close = part.indexOf(']', bracket);
        int i = Integer.parseInt(part.substring(bracket + 1, close));
        n = n.get(i);
        if (n == null) {
          return null;
        }
        bracket = part.indexOf('[', close);
      }
    }
    return n;
  }
}
