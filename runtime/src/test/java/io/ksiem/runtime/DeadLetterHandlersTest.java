package io.ksiem.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ksiem.schemas.registry.WireFormat;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** A record that cannot be read is a dead letter; a registry that cannot be asked is no reason to drop one. */
class DeadLetterHandlersTest {
  @Test
  void aBadRecordIsNotAnUnreachableServer() throws Exception {
    byte[] notAvro = "not avro".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    SerializationException bad;
    try {
      new WireFormat<>(null, "s", io.ksiem.schemas.NormalizedEvent.getClassSchema()).decode(notAvro);
      throw new AssertionError("decoded");
    } catch (WireFormat.MalformedRecordException e) {
      bad = new SerializationException(e.getMessage(), e);
    }
    assertFalse(DeadLetterHandlers.unreachable(bad));
    assertFalse(DeadLetterHandlers.unreachable(new IllegalStateException("boom")));
    assertTrue(DeadLetterHandlers.unreachable(new UncheckedIOException(new ConnectException("refused"))));
    assertTrue(DeadLetterHandlers.unreachable(new SerializationException("x", new ConnectException("refused"))));
  }
}
