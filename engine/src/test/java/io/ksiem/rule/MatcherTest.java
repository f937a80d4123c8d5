package io.ksiem.rule;

import io.ksiem.asset.Asset;
import io.ksiem.asset.AssetSet;
import io.ksiem.asset.Cidr;
import io.ksiem.asset.Ip;
import java.util.List;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** Address, port and custom-data expressions: D1 (order-free negation) and D6 (IPv6 /128). */
class MatcherTest {
  private static final AssetSet ASSETS = new AssetSet(List.of(
      new Asset("lan", Cidr.parse("192.168.0.0/16"), 2, false),
      new Asset("scanner", Cidr.parse("172.20.0.2/32"), 3, true)));

  private static boolean addr(String expr, String ip) {
    return AddressMatcher.compile(expr).matches(Ip.parse(ip), ASSETS);
  }

  @Test
  void negationExcludesWhateverItsPosition() {
    for (String expr : List.of("10.0.0.0/8, !10.0.0.5", "!10.0.0.5, 10.0.0.0/8", "!10.0.0.5 10.0.0.0/8")) {
      assertFalse(addr(expr, "10.0.0.5"), expr);
      assertTrue(addr(expr, "10.0.0.6"), expr);
      assertFalse(addr(expr, "192.168.1.1"), expr + ": positive items still restrict (dsiem accepted this)");
    }
    assertTrue(addr("!10.0.0.5, !10.0.0.6", "8.8.8.8"), "only negations: everything else matches");
    assertFalse(addr("!10.0.0.5, !10.0.0.6", "10.0.0.6"));
    assertTrue(addr("10.0.0.1,10.0.0.2", "10.0.0.2"));
    assertTrue(addr("! 10.0.0.5, 10.0.0.0/8", "10.0.0.4"), "spaces after '!' are trimmed");
    assertFalse(addr("! 10.0.0.5, 10.0.0.0/8", "10.0.0.5"));
  }

  @Test
  void ipv6LiteralsAreSingleAddresses() {
    assertTrue(addr("2001:db8::1", "2001:db8::1"));
    assertFalse(addr("2001:db8::1", "2001:db8::2"), "D6: /128, dsiem made it a /32");
    assertTrue(addr("2001:db8::/32", "2001:db8:1::2"));
    assertFalse(addr("!2001:db8::1", "2001:db8::1"));
    assertEquals(Ip.parse("2001:db8::1"), AddressMatcher.compile("2001:db8::1").pin());
  }

  @Test
  void keywordsAndUnparseableAddresses() {
    assertTrue(addr("ANY", "whatever"));
    assertTrue(addr("HOME_NET", "192.168.3.4"));
    assertFalse(addr("HOME_NET", "172.20.0.2"), "whitelisted entries are not HOME_NET");
    assertTrue(addr("!HOME_NET", "172.20.0.2"));
    assertTrue(addr("!HOME_NET", "not-an-ip"), "an address that does not parse is not in HOME_NET");
    assertFalse(addr("HOME_NET", "not-an-ip"));
    assertFalse(addr("10.0.0.0/8", "not-an-ip"));
    assertFalse(addr("!10.0.0.5", "not-an-ip"));
    assertNull(AddressMatcher.compile("10.0.0.0/8").pin());
    assertNull(AddressMatcher.compile("10.0.0.1, !10.0.0.1").pin());
  }

  @Test
  void invalidItemsAreNamed() {
    assertEquals("HOME_NET", AddressMatcher.invalidItem("HOME_NET, 10.0.0.1"));
    assertEquals("ANY", AddressMatcher.invalidItem("!ANY"));
    assertNull(AddressMatcher.invalidItem("10.0.0.0/8, !10.0.0.5, 2001:db8::/32"));
    assertEquals("70000", PortMatcher.invalidItem("80, !70000"));
    assertNull(PortMatcher.invalidItem("0, 65535, !1"), "D4: every port 0..65535 is valid");
    assertEquals("", PortMatcher.invalidItem(""));
  }

  @Test
  void portListsUnderD1() {
    PortMatcher m = PortMatcher.compile("8443, !8080");
    assertTrue(m.matches(8443));
    assertFalse(m.matches(8080));
    assertFalse(m.matches(9999), "dsiem accepted 9999 because the negated item widened the list");
    PortMatcher not = PortMatcher.compile("!22, !23");
    assertFalse(not.matches(22));
    assertFalse(not.matches(23));
    assertTrue(not.matches(0), "an event without a port has port 0");
    assertTrue(PortMatcher.compile("80 443").matches(443));
    assertFalse(PortMatcher.compile("080").matches(80), "dsiem compares the decimal text");
    assertTrue(PortMatcher.compile("ANY").matches(0));
    assertTrue(PortMatcher.single(0).matches(0));
    assertFalse(PortMatcher.compile(":1").matches(1), "an unresolved reference never matches");
  }

  @Test
  void customData() {
    assertTrue(CustomDataMatcher.compile("bar").matches(" BAR "), "a single value: trimmed, case-insensitive");
    assertTrue(CustomDataMatcher.compile("!benign").matches("evil"));
    assertFalse(CustomDataMatcher.compile("!benign").matches("Benign"));
    assertTrue(CustomDataMatcher.compile("!benign").matches(""));
    CustomDataMatcher list = CustomDataMatcher.compile("Alpha, beta, !gamma");
    assertTrue(list.matches("Alpha"));
    assertFalse(list.matches("alpha"), "list items compare exactly");
    assertFalse(list.matches("gamma"));
    assertFalse(list.matches("delta"), "D1: positive items still restrict");
    CustomDataMatcher onlyNot = CustomDataMatcher.compile("!gamma, !delta");
    assertTrue(onlyNot.matches("epsilon"));
    assertFalse(onlyNot.matches("delta"));
    assertFalse(CustomDataMatcher.compile("a b,c").matches("a b"), "items also split on spaces, as in dsiem");
    assertTrue(CustomDataMatcher.compile("").matches("anything"));
    assertTrue(CustomDataMatcher.compile("ANY").matches(""));
  }

  @Test
  void referencesAreRecognised() {
    assertEquals(2, Rule.reference(":2"));
    assertEquals(0, Rule.reference("10.0.0.1"));
    assertEquals(5, Rule.customDataReference("5:"), "dsiem's quirk: '5:' is a reference");
    assertEquals(1, Rule.customDataReference(":1"));
    assertEquals(Integer.MIN_VALUE, Rule.customDataReference("12:30"));
    assertEquals(Integer.MIN_VALUE, Rule.customDataReference("plain"));
  }
}
