package io.ksiem.asset;

import java.util.List;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;


class IpTest {
  @Test
  void parsesIpv4AndRejectsWhatGoRejects() {
    assertEquals("10.0.0.1", Ip.parse("10.0.0.1").toString());
    for (String bad : List.of("10.0.0", "10.0.0.1.", "10.0.0.256", "010.0.0.1", "10..0.1", "", "a.b.c.d",
        "10.0.0.1 ", "1.2.3.4.5")) {
      assertNull(Ip.parse(bad), bad);
    }
  }

  @Test
  void parsesIpv6FormsAndTreatsMappedAsIpv4() {
    assertEquals("2001:db8::1", Ip.parse("2001:DB8:0:0:0:0:0:1").toString());
    assertEquals("::", Ip.parse("::").toString());
    assertEquals("::1", Ip.parse("::1").toString());
    assertEquals("fe80::", Ip.parse("fe80::").toString());
    assertEquals(Ip.parse("10.1.2.3"), Ip.parse("::ffff:10.1.2.3"));
    assertFalse(Ip.parse("::ffff:10.1.2.3").isV6());
    assertEquals(-1, Ip.parse("::ffff:10.1.2.3").dottedQuad(), "mapped text is not the dotted quad");
    assertNotNull(Ip.parse("64:ff9b::192.0.2.33"));
    for (String bad : List.of(":1", "1:::2", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
        "g::1", "1:")) {
      assertNull(Ip.parse(bad), bad);
    }
  }

  @Test
  void cidrContainmentAndHostPrefixes() {
    Cidr net = Cidr.parse("10.0.0.1/8");
    assertEquals("10.0.0.0/8", net.toString(), "canonical network form, as Go prints it");
    assertTrue(net.contains(Ip.parse("10.255.0.1")));
    assertFalse(net.contains(Ip.parse("11.0.0.1")));
    assertTrue(Cidr.parse("10.0.0.5").isHost());
    assertTrue(Cidr.parse("2001:db8::1").isHost(), "D6: a bare IPv6 address is a /128");
    assertFalse(Cidr.parse("2001:db8::1").contains(Ip.parse("2001:db8::2")));
    assertTrue(Cidr.parse("2001:db8::/32").contains(Ip.parse("2001:db8:ffff::2")));
    assertFalse(Cidr.parse("0.0.0.0/0").contains(Ip.parse("::1")), "families never mix");
    assertTrue(Cidr.parse("0.0.0.0/0").contains(Ip.parse("1.2.3.4")));
    assertNull(Cidr.parse("10.0.0.0/33"));
    assertNull(Cidr.parse("10.0.0.0/"));
    assertNull(Cidr.parse("HOME_NET"));
  }

  @Test
  void assetSetValuesNamesNetworksAndWhitelist() {
    AssetSet a = new AssetSet(List.of(
        new Asset("big", Cidr.parse("10.0.0.0/8"), 4, false),
        new Asset("host", Cidr.parse("10.1.1.1/32"), 1, false),
        new Asset("scanner", Cidr.parse("10.9.9.9/32"), 5, true)));
    assertEquals(4, a.value(Ip.parse("10.1.1.1")), "the maximum over containing entries, not the most specific");
    assertEquals(0, a.value(Ip.parse("192.168.1.1")), "no default value");
    assertEquals("host", a.hostName(Ip.parse("10.1.1.1")));
    assertNull(a.hostName(Ip.parse("10.9.9.9")), "whitelisted entries give no names");
    assertTrue(a.isWhitelisted(Ip.parse("10.9.9.9")));
    assertTrue(a.inHomeNet(Ip.parse("10.9.9.9")), "still inside the wider, non-whitelisted network");
    assertEquals(List.of("10.0.0.0/8"), List.copyOf(a.networks(Ip.parse("10.1.1.1"))));
  }
}
