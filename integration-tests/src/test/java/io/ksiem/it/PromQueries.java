package io.ksiem.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names the shipped PromQL asks for: the Grafana dashboard's panel queries and the Prometheus alerts.
 * Checked against real scrapes, as the Kibana objects are against the index templates: a renamed meter would
 * otherwise leave a panel or an alert silently empty.
 */
final class PromQueries {
  static final Path DASHBOARD = Path.of("..", "monitoring", "grafana", "ksiem.json");
  static final Path ALERTS = Path.of("..", "monitoring", "prometheus", "alerts.yml");
  private static final Set<String> WORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "offset", "bool", "and", "or", "unless");
  private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  private PromQueries() {
  }

  /** Every query of the dashboard and the alerts. */
  static List<String> shipped() throws IOException {
    List<String> out = new ArrayList<>();
    for (JsonNode panel : new ObjectMapper().readTree(DASHBOARD.toFile()).path("panels")) {
      panel.path("targets").forEach(t -> out.add(t.path("expr").asText()));
    }
    for (JsonNode group : new YAMLMapper().readTree(ALERTS.toFile()).path("groups")) {
      group.path("rules").forEach(r -> out.add(r.path("expr").asText()));
    }
    return out;
  }

  /** The metric names in {@code expr}: identifiers that are no function, keyword, label or duration. */
  static Set<String> metricNames(String expr) {
    String e = expr.replaceAll("\"[^\"]*\"", "\"\"").replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
    Set<String> out = new TreeSet<>();
    Matcher m = IDENT.matcher(e);
    while (m.find()) {
      String id = m.group();
      int after = m.end();
      while (after < e.length() && e.charAt(after) == ' ') {
        after++;
      }
      boolean function = after < e.length() && e.charAt(after) == '(';
      boolean number = m.start() > 0 && Character.isDigit(e.charAt(m.start() - 1));
      if (!function && !number && !WORDS.contains(id)) {
        out.add(id);
      }
    }
    return out;
  }
}
