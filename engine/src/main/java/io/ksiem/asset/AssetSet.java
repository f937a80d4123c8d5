package io.ksiem.asset;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The merged assets. HOME_NET is the union of the non-whitelisted entries; whitelisted entries only drop events by
 * source address (docs/dsiem-reference.md §8).
 */
public final class AssetSet {
  private final Asset[] regular;
  private final Cidr[] whitelist;

  public AssetSet(Collection<Asset> assets) {
    List<Asset> r = new ArrayList<>();
    List<Cidr> w = new ArrayList<>();
    for (Asset a : assets) {
      if (a.whitelisted()) {
        w.add(a.cidr());
      } else {
        r.add(a);
      }
    }
    this.regular = r.toArray(new Asset[0]);
    this.whitelist = w.toArray(new Cidr[0]);
  }

  public static AssetSet empty() {
    return new AssetSet(List.of());
  }

  public boolean isWhitelisted(Ip ip) {
    for (Cidr c : whitelist) {
      if (c.contains(ip)) {
        return true;
      }
    }
    return false;
  }

  public boolean inHomeNet(Ip ip) {
    for (Asset a : regular) {
      if (a.cidr().contains(ip)) {
        return true;
      }
    }
    return false;
  }

  /** The maximum value of the entries containing the address; 0 outside every entry (no default value). */
  public int value(Ip ip) {
    int v = 0;
    for (Asset a : regular) {
      if (a.value() > v && a.cidr().contains(ip)) {
        v = a.value();
      }
    }
    return v;
  }

  /** The name of a host entry (/32 or /128) for the address, or null. */
  public String hostName(Ip ip) {
    for (Asset a : regular) {
      if (a.cidr().isHost() && a.cidr().contains(ip)) {
        return a.name();
      }
    }
    return null;
  }

  /** Adds the canonical text of every network (non-host) entry containing the address. */
  public void addNetworks(Ip ip, Set<String> out) {
    for (Asset a : regular) {
      if (!a.cidr().isHost() && a.cidr().contains(ip)) {
        out.add(a.cidr().toString());
      }
    }
  }

  public Set<String> networks(Ip ip) {
    Set<String> s = new LinkedHashSet<>();
    addNetworks(ip, s);
    return s;
  }

  public int size() {
    return regular.length + whitelist.length;
  }
}
