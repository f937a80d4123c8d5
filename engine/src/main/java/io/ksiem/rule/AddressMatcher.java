package io.ksiem.rule;

import io.ksiem.asset.AssetSet;
import io.ksiem.asset.Cidr;
import io.ksiem.asset.Ip;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled {@code from}/{@code to} expression: {@code ANY}, {@code HOME_NET}, {@code !HOME_NET}, or a list of
 * addresses and prefixes with optional {@code !}. Lists follow D1: a value matches iff it is in no negated item and,
 * when the list has positive items, in at least one of them. Bare IPv6 addresses are /128 (D6).
 */
public final class AddressMatcher {
  private static final int ANY = 0;
  private static final int HOME_NET = 1;
  private static final int NOT_HOME_NET = 2;
  private static final int LIST = 3;
  private static final int NEVER = 4;

  public static final AddressMatcher ANY_ADDRESS = new AddressMatcher(ANY, null, null, null);

  private final int kind;
  private final Cidr[] positive;
  private final Cidr[] negative;
  private final Ip pin;

  private AddressMatcher(int kind, Cidr[] positive, Cidr[] negative, Ip pin) {
    this.kind = kind;
    this.positive = positive;
    this.negative = negative;
    this.pin = pin;
  }

  public static boolean isKeyword(String expr) {
    return expr.equals("ANY") || expr.equals("HOME_NET") || expr.equals("!HOME_NET");
  }

  /**
   * Compiles an expression. Returns a matcher that never matches when a list item does not parse (dsiem's result
   * for such a list); {@link #invalidItem} tells load-time validation which item that is.
   */
  public static AddressMatcher compile(String expr) {
    switch (expr) {
      case "ANY":
        return ANY_ADDRESS;
      case "HOME_NET":
        return new AddressMatcher(HOME_NET, null, null, null);
      case "!HOME_NET":
        return new AddressMatcher(NOT_HOME_NET, null, null, null);
      default:
        break;
    }
    List<Cidr> pos = new ArrayList<>();
    List<Cidr> neg = new ArrayList<>();
    List<String> items = Items.split(expr);
    if (items.isEmpty()) {
      return new AddressMatcher(NEVER, null, null, null);
    }
    for (String item : items) {
      boolean negated = item.startsWith("!");
      Cidr c = Cidr.parse(negated ? item.substring(1).trim() : item);
      if (c == null) {
        return new AddressMatcher(NEVER, null, null, null);
      }
      (negated ? neg : pos).add(c);
    }
    Ip pin = pos.size() == 1 && neg.isEmpty() && pos.get(0).isHost() ? pos.get(0).address() : null;
    return new AddressMatcher(LIST, pos.toArray(new Cidr[0]), neg.toArray(new Cidr[0]), pin);
  }

  /** The matcher of an address's own text: the address alone, without parsing the text again. */
  public static AddressMatcher host(String text, Ip ip) {
    if (ip == null) {
      return compile(text);
    }
    return new AddressMatcher(LIST, new Cidr[] {Cidr.host(ip, text)}, new Cidr[0], ip);
  }

  /** The first item of a list expression that is not an address or prefix, or null when all parse. */
  public static String invalidItem(String expr) {
    if (isKeyword(expr)) {
      return null;
    }
    List<String> items = Items.split(expr);
    if (items.isEmpty()) {
      return expr;
    }
    for (String item : items) {
      String bare = item.startsWith("!") ? item.substring(1).trim() : item;
      if (Cidr.parse(bare) == null) {
        return bare;
      }
    }
    return null;
  }

  /** The address itself when this expression admits exactly one address, else null: the backlog index key. */
  public Ip pin() {
    return pin;
  }

  /** {@code ip} is null when the event's text is not an address. */
  public boolean matches(Ip ip, AssetSet assets) {
    switch (kind) {
      case ANY:
        return true;
      case HOME_NET:
        return ip != null && assets.inHomeNet(ip);
      case NOT_HOME_NET:
        return ip == null || !assets.inHomeNet(ip);
      case LIST:
        if (ip == null) {
          return false;
        }
        for (Cidr c : negative) {
          if (c.contains(ip)) {
            return false;
          }
        }
        if (positive.length == 0) {
          return true;
        }
        for (Cidr c : positive) {
          if (c.contains(ip)) {
            return true;
          }
        }
        return false;
      default:
        return false;
    }
  }
}
