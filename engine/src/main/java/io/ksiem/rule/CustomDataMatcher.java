package io.ksiem.rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A compiled {@code custom_dataN} expression (docs/dsiem-reference.md §5.5 with D1). Empty or {@code ANY}: no
 * constraint. With a comma: a list compared exactly and case-sensitively. Otherwise one value, trimmed and compared
 * case-insensitively, negated by a leading {@code !}.
 */
public final class CustomDataMatcher {
  public static final CustomDataMatcher NONE = new CustomDataMatcher(0, null, null, null);
  /** For an unresolved reference: never satisfied. */
  public static final CustomDataMatcher NEVER = new CustomDataMatcher(3, null, null, null);
  private static final int SINGLE = 1;
  private static final int LIST = 2;

  private final int kind;
  private final String single;
  private final boolean negated;
  private final String[] positive;
  private final String[] negative;

  private CustomDataMatcher(int kind, String single, String[] positive, String[] negative) {
    this(kind, single, false, positive, negative);
  }

  private CustomDataMatcher(int kind, String single, boolean negated, String[] positive, String[] negative) {
    this.kind = kind;
    this.single = single;
    this.negated = negated;
    this.positive = positive;
    this.negative = negative;
  }

  public static CustomDataMatcher compile(String expr) {
    if (expr.isEmpty() || expr.equals("ANY")) {
      return NONE;
    }
    if (expr.indexOf(',') >= 0) {
      List<String> pos = new ArrayList<>();
      List<String> neg = new ArrayList<>();
      for (String item : Items.split(expr)) {
        if (item.startsWith("!")) {
          neg.add(item.substring(1).trim());
        } else {
          pos.add(item);
        }
      }
      return new CustomDataMatcher(LIST, null, pos.toArray(new String[0]), neg.toArray(new String[0]));
    }
    String v = expr.trim();
    boolean negated = v.startsWith("!");
    if (negated) {
      v = v.substring(1).trim();
    }
    return new CustomDataMatcher(SINGLE, v.toLowerCase(Locale.ROOT), negated, null, null);
  }

  public boolean matches(String value) {
    switch (kind) {
      case SINGLE: {
        boolean eq = value.trim().toLowerCase(Locale.ROOT).equals(single);
        return negated != eq;
      }
      case LIST: {
        for (String n : negative) {
          if (n.equals(value)) {
            return false;
          }
        }
        if (positive.length == 0) {
          return true;
        }
        for (String p : positive) {
          if (p.equals(value)) {
            return true;
          }
        }
        return false;
      }
      case 0:
        return true;
      default:
        return false;
    }
  }
}
