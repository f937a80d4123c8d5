package io.ksiem.ingest;

import io.ksiem.event.Event;

/** What normalizing one raw record gave: an event, a record the source says to skip, or the reason it failed. */
public record Outcome(Event event, String reason, boolean skipped) {
  public static Outcome of(Event e) {
    return new Outcome(e, null, false);
  }

  public static Outcome failed(String reason) {
    return new Outcome(null, reason, false);
  }

  public static Outcome skip(String why) {
    return new Outcome(null, why, true);
  }

  public boolean ok() {
    return event != null;
  }
}
