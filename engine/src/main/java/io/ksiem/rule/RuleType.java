package io.ksiem.rule;

/** The two rule types of dsiem directives. */
public enum RuleType {
  PluginRule,
  TaxonomyRule
}
