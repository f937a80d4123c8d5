package io.ksiem.rule;

import java.util.ArrayList;
import java.util.List;

/** Splits a dsiem list expression into items: commas and whitespace both separate (docs/dsiem-reference.md §5.3). */
final class Items {
  private Items() {
  }

  static List<String> split(String expr) {
    List<String> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= expr.length(); i++) {
      boolean sep = i == expr.length() || expr.charAt(i) == ',' || Character.isWhitespace(expr.charAt(i));
      if (sep) {
        if (start >= 0) {
          out.add(expr.substring(start, i));
          start = -1;
        }
      } else if (start < 0) {
        start = i;
      }
    }
    // "! 10.0.0.1" splits into "!" and "10.0.0.1": glue a bare "!" to the item after it, as dsiem trims after '!'
    List<String> glued = new ArrayList<>();
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i).equals("!") && i + 1 < out.size()) {
        glued.add("!" + out.get(++i));
      } else {
        glued.add(out.get(i));
      }
    }
    return glued;
  }
}
