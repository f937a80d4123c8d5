package io.ksiem.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;


class SchemasTest {
  private static <T> T roundTrip(T value, Schema schema) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<T>(schema).write(value, enc);
    enc.flush();
    BinaryDecoder dec = DecoderFactory.get().binaryDecoder(out.toByteArray(), null);
    return new SpecificDatumReader<T>(schema).read(null, dec);
  }

  @Test
  void normalizedEventRoundTripsWithDefaults() throws IOException {
    NormalizedEvent e = NormalizedEvent.newBuilder().setEventId("e1").setTimestamp("2026-01-05T10:00:00Z")
        .setSensor("s").setSrcIp("10.0.0.1").setDstIp("10.0.0.2").setPluginId(1001).setPluginSid(7)
        .setReceivedAt(Instant.ofEpochMilli(1767607200123L)).setSource("raw.suricata").build();
    NormalizedEvent back = roundTrip(e, NormalizedEvent.getClassSchema());
    assertEquals(e, back);
    assertEquals("", back.getProduct(), "absent strings default to empty, as dsiem");
    assertEquals(0, back.getDstPort());
  }

  @Test
  void alarmRoundTrips() throws IOException {
    AlarmRule rule = AlarmRule.newBuilder().setName("s1").setStage(1).setOccurrence(1).setFrom("ANY").setTo("ANY")
        .setType("PluginRule").setPortFrom("ANY").setPortTo("ANY").setReliability(1).setTimeout(0)
        .setPluginId(1001).setPluginSid(List.of(7)).setStatus("finished").build();
    Alarm a = Alarm.newBuilder().setAlarmId("abc").setTitle("t").setStatus("Open").setTag("Identified Threat")
        .setKingdom("k").setCategory("c").setCreatedTime(1).setUpdateTime(2).setRisk(3).setRiskClass("Medium")
        .setSrcIps(List.of("10.0.0.1")).setDstIps(List.of("10.0.0.2")).setNetworks(List.of("10.0.0.0/8"))
        .setCustomData(List.of(new CustomData("user", "root"))).setRules(List.of(rule)).setDirectiveId(9).build();
    assertEquals(a, roundTrip(a, Alarm.getClassSchema()));
  }

  @Test
  void packagedSchemasAreTheGeneratedOnesAndReadTheirOwnData() throws IOException {
    for (Schema generated : List.of(NormalizedEvent.getClassSchema(), Alarm.getClassSchema(),
        AlarmEvent.getClassSchema())) {
      try (InputStream in = SchemasTest.class.getResourceAsStream("/avro/" + generated.getName() + ".avsc")) {
        Schema packaged = new Schema.Parser().parse(in);
        // the generated copy adds Java-only string properties; the wire schema is the same
        assertEquals(SchemaNormalization.toParsingForm(generated), SchemaNormalization.toParsingForm(packaged));
        assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
            SchemaCompatibility.checkReaderWriterCompatibility(packaged, generated).getType());
        assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
            SchemaCompatibility.checkReaderWriterCompatibility(generated, packaged).getType());
      }
    }
  }
}
