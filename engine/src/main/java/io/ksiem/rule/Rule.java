package io.ksiem.rule;

import io.ksiem.asset.AssetSet;
import io.ksiem.event.Event;
import java.util.List;

/**
 * One stage of a directive, immutable, with its expressions compiled. A directive's rules may hold {@code :n}
 * references; a backlog's rules are the directive's with every reference resolved from the backlog's first event
 * ({@link #resolve}), exactly once, as dsiem does (docs/dsiem-reference.md §5.8).
 */
public final class Rule {
  public final String name;
  /** The {@code stage} field as written; the position in the directive is what orders stages. */
  public final int stage;
  public final RuleType type;
  public final int pluginId;
  private final int[] pluginSids;
  public final List<String> product;
  public final String category;
  public final List<String> subcategory;
  public final int occurrence;
  public final int reliability;
  public final int timeout;
  public final String protocol;
  /** Null when the stage has no {@code sticky_different}. */
  public final Sticky sticky;
  public final String from;
  public final String to;
  public final String portFrom;
  public final String portTo;
  private final String[] customData;
  private final String[] customLabel;

  private final AddressMatcher fromMatcher;
  private final AddressMatcher toMatcher;
  private final PortMatcher portFromMatcher;
  private final PortMatcher portToMatcher;
  private final CustomDataMatcher[] customDataMatchers;
  private final boolean unconstrainedCustomData;
  /** Referenced rule numbers (0: none), parsed once. */
  private final int fromRef;
  private final int toRef;
  private final int portFromRef;
  private final int portToRef;
  private final boolean customDataRefs;

  /** The validated fields of a rule, as the directive loader hands them over. */
  public record Spec(String name, int stage, RuleType type, int pluginId, int[] pluginSids, List<String> product,
      String category, List<String> subcategory, int occurrence, int reliability, int timeout, String protocol,
      Sticky sticky, String from, String to, String portFrom, String portTo, String[] customData,
      String[] customLabel) {
  }

  public Rule(Spec s) {
    this.name = s.name;
    this.stage = s.stage;
    this.type = s.type;
    this.pluginId = s.pluginId;
    this.pluginSids = s.pluginSids.clone();
    this.product = List.copyOf(s.product);
    this.category = s.category;
    this.subcategory = List.copyOf(s.subcategory);
    this.occurrence = s.occurrence;
    this.reliability = s.reliability;
    this.timeout = s.timeout;
    this.protocol = s.protocol;
    this.sticky = s.sticky;
    this.from = s.from;
    this.to = s.to;
    this.portFrom = s.portFrom;
    this.portTo = s.portTo;
    this.customData = s.customData.clone();
    this.customLabel = s.customLabel.clone();
    // a reference compiles to "never": only a resolved copy is ever matched
    this.fromMatcher = AddressMatcher.compile(from);
    this.toMatcher = AddressMatcher.compile(to);
    this.portFromMatcher = PortMatcher.compile(portFrom);
    this.portToMatcher = PortMatcher.compile(portTo);
    this.customDataMatchers = new CustomDataMatcher[3];
    for (int i = 0; i < 3; i++) {
      customDataMatchers[i] = customDataReference(customData[i]) > Integer.MIN_VALUE
          ? CustomDataMatcher.NEVER
          : CustomDataMatcher.compile(customData[i]);
    }
    this.unconstrainedCustomData = unconstrained(customDataMatchers);
    this.fromRef = reference(from);
    this.toRef = reference(to);
    this.portFromRef = reference(portFrom);
    this.portToRef = reference(portTo);
    this.customDataRefs = customDataMatchers[0] == CustomDataMatcher.NEVER
        || customDataMatchers[1] == CustomDataMatcher.NEVER || customDataMatchers[2] == CustomDataMatcher.NEVER;
  }

  /** A copy of {@code base} with other addresses, ports and custom data, their matchers already compiled. */
  private Rule(Rule base, String from, AddressMatcher fromMatcher, String to, AddressMatcher toMatcher,
      String portFrom, PortMatcher portFromMatcher, String portTo, PortMatcher portToMatcher, String[] customData,
      CustomDataMatcher[] customDataMatchers) {
    this.name = base.name;
    this.stage = base.stage;
    this.type = base.type;
    this.pluginId = base.pluginId;
    this.pluginSids = base.pluginSids;
    this.product = base.product;
    this.category = base.category;
    this.subcategory = base.subcategory;
    this.occurrence = base.occurrence;
    this.reliability = base.reliability;
    this.timeout = base.timeout;
    this.protocol = base.protocol;
    this.sticky = base.sticky;
    this.customLabel = base.customLabel;
    this.from = from;
    this.to = to;
    this.portFrom = portFrom;
    this.portTo = portTo;
    this.customData = customData;
    this.fromMatcher = fromMatcher;
    this.toMatcher = toMatcher;
    this.portFromMatcher = portFromMatcher;
    this.portToMatcher = portToMatcher;
    this.customDataMatchers = customDataMatchers;
    this.unconstrainedCustomData = unconstrained(customDataMatchers);
    this.fromRef = 0;
    this.toRef = 0;
    this.portFromRef = 0;
    this.portToRef = 0;
    this.customDataRefs = false;
  }

  private static boolean unconstrained(CustomDataMatcher[] m) {
    return m[0] == CustomDataMatcher.NONE && m[1] == CustomDataMatcher.NONE && m[2] == CustomDataMatcher.NONE;
  }

  public int[] pluginSids() {
    return pluginSids.clone();
  }

  public boolean hasPluginSid(int sid) {
    for (int s : pluginSids) {
      if (s == sid) {
        return true;
      }
    }
    return false;
  }

  /** {@code n} is 1..3. */
  public String customData(int n) {
    return customData[n - 1];
  }

  public String customLabel(int n) {
    return customLabel[n - 1];
  }

  /** The source-address pin of this (resolved) rule: the only source it admits, or null. */
  public io.ksiem.asset.Ip srcPin() {
    return fromMatcher.pin();
  }

  public io.ksiem.asset.Ip dstPin() {
    return toMatcher.pin();
  }

  /** The referenced rule number of a {@code from}/{@code to}/port value ({@code ":2"} gives 2), else 0. */
  public static int reference(String value) {
    if (!value.startsWith(":")) {
      return 0;
    }
    try {
      return Integer.parseInt(value.substring(1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The referenced rule number of a custom-data value, or {@code Integer.MIN_VALUE} when it is a literal. dsiem takes
   * any value with a colon whose text without the colons around it is an integer ({@code "5:"} too).
   */
  public static int customDataReference(String value) {
    if (value.indexOf(':') < 0) {
      return Integer.MIN_VALUE;
    }
    int a = 0;
    int b = value.length();
    while (a < b && value.charAt(a) == ':') {
      a++;
    }
    while (b > a && value.charAt(b - 1) == ':') {
      b--;
    }
    try {
      return Integer.parseInt(value.substring(a, b));
    } catch (NumberFormatException e) {
      return Integer.MIN_VALUE;
    }
  }

  /** Does the event satisfy this rule? Sticky uniqueness is the backlog's business (D5: checked after this). */
  public boolean matches(Event e, AssetSet assets) {
    if (type == RuleType.PluginRule) {
      if (e.pluginId != pluginId || !hasPluginSid(e.pluginSid)) {
        return false;
      }
    } else {
      if (!category.equals(e.category) || !product.contains(e.product)) {
        return false;
      }
      if (!subcategory.isEmpty() && !subcategory.contains(e.subcategory) && !subcategory.contains("ANY")) {
        return false;
      }
    }
    if (!fromMatcher.matches(e.src(), assets) || !toMatcher.matches(e.dst(), assets)
        || !portFromMatcher.matches(e.srcPort) || !portToMatcher.matches(e.dstPort)) {
      return false;
    }
    if (type == RuleType.TaxonomyRule || unconstrainedCustomData) {
      return true;
    }
    return customDataMatchers[0].matches(e.customData1) && customDataMatchers[1].matches(e.customData2)
        && customDataMatchers[2].matches(e.customData3);
  }

  /**
   * This rule with every reference resolved against {@code resolved} (the backlog's rules, already resolved up to
   * this one) and the backlog's first event. A referenced keyword ({@code ANY}, {@code HOME_NET},
   * {@code !HOME_NET}) becomes the first event's value; anything else is copied literally, lists included.
   */
  public Rule resolve(Rule[] resolved, Event first) {
    int fr = fromRef;
    int tr = toRef;
    int pfr = portFromRef;
    int ptr = portToRef;
    boolean anyCd = customDataRefs;
    if (fr == 0 && tr == 0 && pfr == 0 && ptr == 0 && !anyCd) {
      return this;
    }
    String f = from;
    AddressMatcher fm = fromMatcher;
    if (fr > 0) {
      Rule ref = resolved[fr - 1];
      boolean own = AddressMatcher.isKeyword(ref.from);
      f = own ? first.srcIp : ref.from;
      fm = own ? AddressMatcher.host(first.srcIp, first.src()) : ref.fromMatcher;
    }
    String t = to;
    AddressMatcher tm = toMatcher;
    if (tr > 0) {
      Rule ref = resolved[tr - 1];
      boolean own = AddressMatcher.isKeyword(ref.to);
      t = own ? first.dstIp : ref.to;
      tm = own ? AddressMatcher.host(first.dstIp, first.dst()) : ref.toMatcher;
    }
    String pf = portFrom;
    PortMatcher pfm = portFromMatcher;
    if (pfr > 0) {
      Rule ref = resolved[pfr - 1];
      boolean own = ref.portFrom.equals("ANY");
      pf = own ? Integer.toString(first.srcPort) : ref.portFrom;
      pfm = own ? PortMatcher.single(first.srcPort) : ref.portFromMatcher;
    }
    String pt = portTo;
    PortMatcher ptm = portToMatcher;
    if (ptr > 0) {
      Rule ref = resolved[ptr - 1];
      boolean own = ref.portTo.equals("ANY");
      pt = own ? Integer.toString(first.dstPort) : ref.portTo;
      ptm = own ? PortMatcher.single(first.dstPort) : ref.portToMatcher;
    }
    String[] cd = customData;
    CustomDataMatcher[] cdm = customDataMatchers;
    if (anyCd) {
      cd = customData.clone();
      cdm = customDataMatchers.clone();
      for (int i = 0; i < 3; i++) {
        int n = customDataReference(customData[i]);
        if (n > Integer.MIN_VALUE) {
          Rule ref = resolved[n - 1];
          boolean own = ref.customData[i].equals("ANY");
          cd[i] = own ? first.customData(i + 1) : ref.customData[i];
          cdm[i] = own ? CustomDataMatcher.compile(cd[i]) : ref.customDataMatchers[i];
        }
      }
    }
    return new Rule(this, f, fm, t, tm, pf, pfm, pt, ptm, cd, cdm);
  }

  /** For {@code all_rules_always_active}: stage 1's address keywords become the first event's addresses. */
  public Rule pinnedTo(Event first) {
    boolean f = AddressMatcher.isKeyword(from);
    boolean t = AddressMatcher.isKeyword(to);
    if (!f && !t) {
      return this;
    }
    return new Rule(this, f ? first.srcIp : from, f ? AddressMatcher.host(first.srcIp, first.src()) : fromMatcher,
        t ? first.dstIp : to, t ? AddressMatcher.host(first.dstIp, first.dst()) : toMatcher, portFrom,
        portFromMatcher, portTo, portToMatcher, customData, customDataMatchers);
  }

}
