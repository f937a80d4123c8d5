package io.ksiem.schemas.registry;

import io.ksiem.schemas.NormalizedEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.UUID;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** The registry client and wire format against a real Apicurio Registry (Confluent-compatible API). */
class RegistryTest {
  private static SchemaRegistryClient registry;

  @BeforeAll
  static void start() throws Exception {
    registry = new SchemaRegistryClient(io.ksiem.servers.SharedServers.registryUrl());
  }

  private static NormalizedEvent event() {
    return NormalizedEvent.newBuilder().setEventId("e1").setTimestamp("2026-01-05T10:00:00Z").setSensor("s")
        .setSrcIp("10.0.0.1").setDstIp("10.0.0.2").setPluginId(1001).setPluginSid(7)
        .setReceivedAt(Instant.ofEpochMilli(1767607200123L)).setSource("raw.dsiem").build();
  }

  @Test
  void roundTripsInTheConfluentWireFormat() throws Exception {
    String subject = "events-" + UUID.randomUUID() + "-value";
    WireFormat<NormalizedEvent> wire = new WireFormat<>(registry, subject, NormalizedEvent.getClassSchema());
    byte[] bytes = wire.encode(event());
    assertEquals(0, bytes[0], "magic byte");
    int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    assertEquals(NormalizedEvent.getClassSchema().getFields().size(), registry.schema(id).getFields().size());
    assertEquals(event(), wire.decode(bytes));
    // a second client (another app) reads it through the registry alone
    WireFormat<NormalizedEvent> other = new WireFormat<>(new SchemaRegistryClient(io.ksiem.servers.SharedServers.registryUrl()),
        subject, NormalizedEvent.getClassSchema());
    assertEquals(event(), other.decode(bytes));
    assertArrayEquals(bytes, other.encode(event()), "the same schema gets the same id");
  }

  @Test
  void backwardCompatibilityRefusesAnIncompatibleChangeAndAllowsACompatibleOne() throws Exception {
    String subject = "compat-" + UUID.randomUUID() + "-value";
    Schema v1 = new Schema.Parser().parse(
        "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}");
    Schema breaking = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"T\",\"fields\":["
        + "{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"int\"}]}");
    Schema compatible = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"T\",\"fields\":["
        + "{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"int\",\"default\":0}]}");
    registry.register(subject, v1);
    registry.setCompatibility(subject, "BACKWARD");
    assertEquals("BACKWARD", registry.compatibility(subject));
    SchemaRegistryClient.RejectedSchemaException e = assertThrows(SchemaRegistryClient.RejectedSchemaException.class,
        () -> registry.register(subject, breaking));
    assertEquals(409, e.status());
    int id2 = registry.register(subject, compatible);
    assertTrue(id2 > 0);
  }

  @Test
  void malformedBytesAreRefusedWithAReason() throws Exception {
    WireFormat<NormalizedEvent> wire = new WireFormat<>(registry, "m-" + UUID.randomUUID() + "-value",
        NormalizedEvent.getClassSchema());
    WireFormat.MalformedRecordException shortOne = assertThrows(WireFormat.MalformedRecordException.class,
        () -> wire.decode(new byte[] {0, 0}));
    assertTrue(shortOne.getMessage().contains("too short"));
    WireFormat.MalformedRecordException magic = assertThrows(WireFormat.MalformedRecordException.class,
        () -> wire.decode("{\"json\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertTrue(magic.getMessage().contains("magic byte"));
    byte[] good = wire.encode(event());
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 10);
    WireFormat.MalformedRecordException broken = assertThrows(WireFormat.MalformedRecordException.class,
        () -> wire.decode(truncated));
    assertTrue(broken.getMessage().contains("does not decode"), broken.getMessage());
  }
}
