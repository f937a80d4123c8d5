package io.ksiem.ingest;

import io.ksiem.event.EventParser;

/**
 * Events already normalized by dsiem's Logstash plugins: the JSON of docs/dsiem-reference.md §2, checked as dsiem's
 * intake does.
 */
public final class DsiemNormalizer implements Normalizer {
  private final EventParser parser = new EventParser();

  @Override
  public String source() {
    return "dsiem";
  }

  @Override
  public Outcome normalize(byte[] value, String origin) {
    EventParser.Result r = parser.parse(value);
    return r.ok() ? Outcome.of(r.event()) : Outcome.failed(r.reason());
  }
}
