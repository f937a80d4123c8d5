package io.ksiem.directive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ksiem.config.DirectoryFiles;
import io.ksiem.config.LoadProblem;
import io.ksiem.rule.AddressMatcher;
import io.ksiem.rule.PortMatcher;
import io.ksiem.rule.Rule;
import io.ksiem.rule.RuleType;
import io.ksiem.rule.Sticky;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Loads {@code {"directives":[...]}} documents with every check of dsiem's loader (docs/dsiem-reference.md §4.4) plus
 * D4. A directive that fails a check is skipped with a {@link LoadProblem} naming the file, the directive, the stage
 * and the reason; the others still load. Coercions (priority, reliability, stage-1 occurrence) are kept and reported as
 * warnings.
 */
public final class DirectiveLoader {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.util.regex.Pattern REFERENCE = java.util.regex.Pattern.compile("^:[1-9][0-9]?$");

  private final List<Directive> directives = new ArrayList<>();
  private final List<LoadProblem> problems = new ArrayList<>();
  private final List<LoadProblem> warnings = new ArrayList<>();
  private final Set<Integer> ids = new HashSet<>();

  /** Loads files; a directory stands for its {@code directives_*.json} files in name order. */
  public DirectiveLoader loadPaths(List<Path> paths) throws IOException {
    for (Path p : DirectoryFiles.expand(paths, "directives_")) {
      JsonNode doc;
      try {
        doc = JSON.readTree(p.toFile());
      } catch (IOException e) {
        throw new IOException(p + ": not valid JSON: " + e.getMessage(), e);
      }
      load(p.toString(), doc);
    }
    return this;
  }

  public DirectiveLoader load(String source, String json) throws IOException {
    return load(source, JSON.readTree(json));
  }

  public DirectiveLoader load(String source, JsonNode doc) {
    JsonNode list = doc == null ? null : doc.get("directives");
    if (list == null || !list.isArray()) {
      problems.add(new LoadProblem(source, -1, null, "no \"directives\" array"));
      return this;
    }
    int position = 0;
    for (JsonNode d : list) {
      position++;
      String what = d.path("id").isIntegralNumber() ? "directive " + d.get("id").asInt() : "directive #" + position;
      try {
        Directive directive = build(source, position, d);
        if (directive != null) {
          ids.add(directive.id);
          directives.add(directive);
        }
      } catch (Invalid e) {
        problems.add(new LoadProblem(source, position, what, e.getMessage()));
      }
    }
    return this;
  }

  public List<Directive> directives() {
    return directives;
  }

  public List<LoadProblem> problems() {
    return problems;
  }

  public List<LoadProblem> warnings() {
    return warnings;
  }

  private static final class Invalid extends Exception {
    Invalid(String reason) {
      super(reason, null, false, false);
    }
  }

  private Directive build(String source, int position, JsonNode d) throws Invalid {
    if (!d.isObject()) {
      throw new Invalid("not a JSON object");
    }
    int id = integer(d, "id", "id");
    if (bool(d, "disabled")) {
      throw new Invalid("disabled (skipped)");
    }
    if (ids.contains(id)) {
      throw new Invalid("id " + id + " is already used");
    }
    String name = text(d, "name", "name");
    String kingdom = text(d, "kingdom", "kingdom");
    String category = text(d, "category", "category");
    if (name.isEmpty()) {
      throw new Invalid("empty name");
    }
    if (kingdom.isEmpty()) {
      throw new Invalid("empty kingdom");
    }
    if (category.isEmpty()) {
      throw new Invalid("empty category");
    }
    int priority = integer(d, "priority", "priority");
    String what = "directive " + id;
    if (priority < 1 || priority > 5) {
      warnings.add(new LoadProblem(source, position, what, "priority " + priority + " is outside 1..5, set to 1"));
      priority = 1;
    }
    JsonNode rulesNode = d.get("rules");
    if (rulesNode != null && !rulesNode.isArray() && !rulesNode.isNull()) {
      throw new Invalid("rules must be an array");
    }
    int n = rulesNode == null || rulesNode.isNull() ? 0 : rulesNode.size();
    if (n < 2) {
      throw new Invalid("fewer than 2 rules");
    }
    List<Rule> rules = new ArrayList<>();
    Set<Integer> stages = new HashSet<>();
    for (int i = 0; i < n; i++) {
      rules.add(rule(source, position, what, rulesNode.get(i), i + 1, n, stages));
    }
    String json = d.toString();
    return new Directive(id, name, priority, kingdom, category, bool(d, "all_rules_always_active"), rules, source,
        fnv64(json), json);
  }

  private Rule rule(String source, int position, String what, JsonNode r, int pos, int count, Set<Integer> stages)
      throws Invalid {
    String at = "stage " + pos;
    if (!r.isObject()) {
      throw new Invalid(at + " is not a JSON object");
    }
    int stage = integer(r, "stage", at + " 'stage'");
    if (stage == 0) {
      throw new Invalid(at + " has stage 0");
    }
    if (!stages.add(stage)) {
      throw new Invalid(at + " repeats stage number " + stage);
    }
    String typeText = text(r, "type", at + " 'type'");
    RuleType type;
    if (typeText.equals("PluginRule")) {
      type = RuleType.PluginRule;
    } else if (typeText.equals("TaxonomyRule")) {
      type = RuleType.TaxonomyRule;
    } else {
      throw new Invalid(at + " type '" + typeText + "' is neither PluginRule nor TaxonomyRule");
    }
    int pluginId = integer(r, "plugin_id", at + " 'plugin_id'");
    int[] sids = intList(r, "plugin_sid", at + " 'plugin_sid'");
    List<String> product = textList(r, "product", at + " 'product'");
    String category = text(r, "category", at + " 'category'");
    List<String> subcategory = textList(r, "subcategory", at + " 'subcategory'");
    if (type == RuleType.PluginRule) {
      if (pluginId < 1) {
        throw new Invalid("PluginRule " + at + " has plugin_id " + pluginId + " (must be 1 or more)");
      }
      if (sids.length == 0) {
        throw new Invalid("PluginRule " + at + " without plugin_sid");
      }
      for (int sid : sids) {
        if (sid < 1) {
          throw new Invalid(at + " plugin_sid contains " + sid);
        }
      }
    } else {
      if (product.isEmpty()) {
        throw new Invalid("TaxonomyRule " + at + " without product");
      }
      if (category.isEmpty()) {
        throw new Invalid("TaxonomyRule " + at + " without category");
      }
    }
    String from = text(r, "from", at + " 'from'");
    String to = text(r, "to", at + " 'to'");
    address(at, "from", from, pos, count);
    address(at, "to", to, pos, count);
    String portFrom = text(r, "port_from", at + " 'port_from'");
    String portTo = text(r, "port_to", at + " 'port_to'");
    port(at, "port_from", portFrom, pos, count);
    port(at, "port_to", portTo, pos, count);
    String[] customData = new String[3];
    String[] customLabel = new String[3];
    for (int k = 1; k <= 3; k++) {
      customData[k - 1] = text(r, "custom_data" + k, at + " 'custom_data" + k + "'");
      customLabel[k - 1] = text(r, "custom_label" + k, at + " 'custom_label" + k + "'");
      int ref = Rule.customDataReference(customData[k - 1]);
      if (ref > Integer.MIN_VALUE) {
        checkReference(at, "custom_data" + k, customData[k - 1], ref, pos, count);
      }
    }
    boolean hasReference = Rule.reference(from) != 0 || Rule.reference(to) != 0 || Rule.reference(portFrom) != 0
        || Rule.reference(portTo) != 0;
    if (stage == 1 && hasReference) {
      throw new Invalid(at + " has stage field 1 and a reference (the first rule cannot contain one)");
    }
    String stickyText = text(r, "sticky_different", at + " 'sticky_different'");
    Sticky sticky = null;
    if (!stickyText.isEmpty()) {
      sticky = Sticky.parse(stickyText);
      if (sticky == null) {
        throw new Invalid(at + " sticky_different '" + stickyText + "' is not a known keyword");
      }
      if (type == RuleType.TaxonomyRule && sticky.pluginOnly()) {
        throw new Invalid("TaxonomyRule " + at + " cannot use sticky_different " + stickyText);
      }
    }
    int occurrence = integer(r, "occurrence", at + " 'occurrence'");
    if (stage == 1 && occurrence != 1) {
      warnings.add(new LoadProblem(source, position, what, at + " occurrence " + occurrence + " set to 1"));
      occurrence = 1;
    }
    int reliability = integer(r, "reliability", at + " 'reliability'");
    if (reliability < 0 || reliability > 10) {
      int clamped = Math.max(0, Math.min(10, reliability));
      warnings.add(new LoadProblem(source, position, what,
          at + " reliability " + reliability + " clamped to " + clamped));
      reliability = clamped;
    }
    int timeout = integer(r, "timeout", at + " 'timeout'");
    String protocol = text(r, "protocol", at + " 'protocol'");
    String name = text(r, "name", at + " 'name'");
    return new Rule(new Rule.Spec(name, stage, type, pluginId, sids, product, category, subcategory, occurrence,
        reliability, timeout, protocol, sticky, from, to, portFrom, portTo, customData, customLabel));
  }

  private void address(String at, String field, String value, int pos, int count) throws Invalid {
    if (value.isEmpty()) {
      throw new Invalid(at + " '" + field + "' is empty");
    }
    if (value.startsWith(":")) {
      checkReference(at, field, value, pos, count);
      return;
    }
    String bad = AddressMatcher.invalidItem(value);
    if (bad != null) {
      throw new Invalid(at + " '" + field + "' '" + value + "': " + bad + " is not a valid list item");
    }
  }

  private void port(String at, String field, String value, int pos, int count) throws Invalid {
    if (value.isEmpty()) {
      throw new Invalid(at + " " + field + " is empty");
    }
    if (value.startsWith(":")) {
      checkReference(at, field, value, pos, count);
      return;
    }
    String bad = PortMatcher.invalidItem(value);
    if (bad != null) {
      throw new Invalid(at + " " + field + " '" + value + "': '" + bad + "' is not a port number 0..65535");
    }
  }

  private void checkReference(String at, String field, String value, int pos, int count) throws Invalid {
    if (!REFERENCE.matcher(value).matches()) {
      throw new Invalid(at + " '" + field + "' '" + value + "' is not a valid reference");
    }
    checkReference(at, field, value, Rule.reference(value), pos, count);
  }

  /** D4: a reference must point at an earlier stage that exists. */
  private static void checkReference(String at, String field, String value, int n, int pos, int count)
      throws Invalid {
    if (n < 1 || n > count) {
      throw new Invalid(at + " '" + field + "' '" + value + "' points to no rule (the directive has " + count
          + ")");
    }
    if (pos == 1) {
      throw new Invalid(at + " '" + field + "' is a reference ('" + value + "' points to "
          + (n == 1 ? "its own stage" : "a later stage") + ")");
    }
    if (n == pos) {
      throw new Invalid(at + " '" + field + "' '" + value + "' points to its own stage");
    }
    if (n > pos) {
      throw new Invalid(at + " '" + field + "' '" + value + "' points to a later stage");
    }
  }

  // --- JSON field access with dsiem's types; a wrong type rejects the directive instead of the whole file

  private static int integer(JsonNode o, String key, String what) throws Invalid {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      return 0;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new Invalid(what + " must be an integer");
    }
    return v.asInt();
  }

  private static boolean bool(JsonNode o, String key) throws Invalid {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new Invalid(key + " must be true or false");
    }
    return v.asBoolean();
  }

  private static String text(JsonNode o, String key, String what) throws Invalid {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isTextual()) {
      throw new Invalid(what + " must be a string");
    }
    return v.asText();
  }

  private static List<String> textList(JsonNode o, String key, String what) throws Invalid {
    JsonNode v = o.get(key);
    List<String> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isArray()) {
      throw new Invalid(what + " must be a list of strings");
    }
    for (JsonNode x : v) {
      if (!x.isTextual()) {
        throw new Invalid(what + " must be a list of strings");
      }
      out.add(x.asText());
    }
    return out;
  }

  private static int[] intList(JsonNode o, String key, String what) throws Invalid {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      return new int[0];
    }
    if (!v.isArray()) {
      throw new Invalid(what + " must be a list of integers");
    }
    int[] out = new int[v.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode x = v.get(i);
      if (!x.isIntegralNumber() || !x.canConvertToInt()) {
        throw new Invalid(what + " must be a list of integers");
      }
      out[i] = x.asInt();
    }
    return out;
  }

  static long fnv64(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
