package io.ksiem.ingest;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How fast one client address may fail authentication: {@link #BURST} failures at once, then {@link #PER_SECOND} a
 * second. Once an address is over that, every request of it is refused 429 before its credential is looked at, the
 * right one too: were only the failures refused, a 429 would still tell a wrong guess from the 200 of a right one, and
 * guessing would go on at full speed. Clients that never fail are never counted; behind a proxy that hides the
 * client's address, the proxy's address is throttled as a whole. At most {@link #MAX_ADDRESSES} addresses are
 * remembered (the least recently failed is forgotten first), so a flood of addresses cannot fill the memory.
 */
final class AuthFailureThrottle {
  static final int BURST = 20;
  static final double PER_SECOND = 1;
  static final int MAX_ADDRESSES = 10_000;

  private final Map<InetAddress, TokenBucket> failures = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<InetAddress, TokenBucket> eldest) {
      return size() > MAX_ADDRESSES;
    }
  };

  /** Seconds {@code client} must wait before its next attempt, or 0 when it may try now. */
  synchronized int refusal(InetAddress client) {
    long now = System.nanoTime();
    TokenBucket b = failures.get(client);
    if (b == null) {
      return 0;
    }
    if (b.full(now)) {
      failures.remove(client);
      return 0;
    }
    return b.has(now) ? 0 : b.secondsToNext();
  }

  /** Counts one failed authentication of {@code client}. */
  synchronized void failed(InetAddress client) {
    long now = System.nanoTime();
    failures.computeIfAbsent(client, c -> new TokenBucket(BURST, PER_SECOND, now)).take(now);
  }
}
