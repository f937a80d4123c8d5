package io.ksiem.rule;

import java.util.List;

/**
 * A compiled {@code port_from}/{@code port_to} expression: {@code ANY} or a list of ports with optional {@code !},
 * under D1. dsiem compares the port's decimal text with each item, so an item written with a leading zero or sign
 * ({@code 080}) can never equal a port.
 */
public final class PortMatcher {
  public static final PortMatcher ANY_PORT = new PortMatcher(true, new int[0], new int[0], false);
  private static final PortMatcher NEVER = new PortMatcher(false, new int[0], new int[0], true);

  private final boolean any;
  private final int[] positive;
  private final int[] negative;
  private final boolean hasPositive;

  private PortMatcher(boolean any, int[] positive, int[] negative, boolean hasPositive) {
    this.any = any;
    this.positive = positive;
    this.negative = negative;
    this.hasPositive = hasPositive;
  }

  /** Exactly this port. */
  public static PortMatcher single(int port) {
    return new PortMatcher(false, new int[] {port}, new int[0], true);
  }

  public static PortMatcher compile(String expr) {
    if (expr.equals("ANY")) {
      return ANY_PORT;
    }
    List<String> items = Items.split(expr);
    if (items.isEmpty()) {
      return NEVER;
    }
    int[] pos = new int[items.size()];
    int[] neg = new int[items.size()];
    int np = 0;
    int nn = 0;
    boolean hasPositive = false;
    for (String item : items) {
      boolean negated = item.startsWith("!");
      String text = negated ? item.substring(1).trim() : item;
      Integer port = parsePort(text);
      if (port == null) {
        return NEVER;
      }
      boolean canonical = Integer.toString(port).equals(text);
      if (negated) {
        if (canonical) {
          neg[nn++] = port;
        }
      } else {
        hasPositive = true;
        if (canonical) {
          pos[np++] = port;
        }
      }
    }
    return new PortMatcher(false, java.util.Arrays.copyOf(pos, np), java.util.Arrays.copyOf(neg, nn), hasPositive);
  }

  /** An integer 0..65535 (D4: every port is valid), or null. */
  static Integer parsePort(String text) {
    try {
      int p = Integer.parseInt(text);
      return p >= 0 && p <= 65535 ? p : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The first item that is not a port 0..65535, or null when all are (and the list is not empty). */
  public static String invalidItem(String expr) {
    if (expr.equals("ANY")) {
      return null;
    }
    List<String> items = Items.split(expr);
    if (items.isEmpty()) {
      return expr;
    }
    for (String item : items) {
      String text = item.startsWith("!") ? item.substring(1).trim() : item;
      if (parsePort(text) == null) {
        return text;
      }
    }
    return null;
  }

  public boolean matches(int port) {
    if (any) {
      return true;
    }
    for (int n : negative) {
      if (n == port) {
        return false;
      }
    }
    if (!hasPositive) {
      return true;
    }
    for (int p : positive) {
      if (p == port) {
        return true;
      }
    }
    return false;
  }
}
