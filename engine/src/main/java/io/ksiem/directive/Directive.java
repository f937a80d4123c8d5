package io.ksiem.directive;

import io.ksiem.rule.Rule;
import java.util.List;

/**
 * A validated dsiem directive. {@code fingerprint} identifies this exact version, so a live backlog can finish under
 * the version it started with when the directive is changed.
 */
public final class Directive {
  public final int id;
  public final String name;
  public final int priority;
  public final String kingdom;
  public final String category;
  public final boolean allRulesAlwaysActive;
  private final Rule[] rules;
  /** The file it came from. */
  public final String source;
  public final long fingerprint;
  /** The directive as JSON, to publish it or keep an old version for the backlogs that started under it. */
  public final String json;

  public Directive(int id, String name, int priority, String kingdom, String category, boolean allRulesAlwaysActive,
      List<Rule> rules, String source, long fingerprint, String json) {
    this.id = id;
    this.name = name;
    this.priority = priority;
    this.kingdom = kingdom;
    this.category = category;
    this.allRulesAlwaysActive = allRulesAlwaysActive;
    this.rules = rules.toArray(new Rule[0]);
    this.source = source;
    this.fingerprint = fingerprint;
    this.json = json;
  }

  public int stages() {
    return rules.length;
  }

  /** {@code stage} is 1-based (array position + 1). */
  public Rule rule(int stage) {
    return rules[stage - 1];
  }

  public Rule[] rules() {
    return rules.clone();
  }

  @Override
  public String toString() {
    return "directive " + id + " '" + name + "'";
  }
}
