package io.ksiem.replay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** {@code {"line": N, "reason": "..."}}: one rejected input line. */
final class RejectJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private RejectJson() {
  }

  static String of(long line, String reason) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(w)) {
      g.writeStartObject();
      g.writeNumberField("line", line);
      g.writeStringField("reason", reason);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }
}
