package io.ksiem.schemas.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka Serde for a generated Avro class in the Confluent wire format, under the topic's value subject
 * ({@code <topic>-value}, the TopicNameStrategy). The subject's compatibility is set to BACKWARD before the first
 * registration, so a producer with an incompatible schema is refused by the registry.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
  public static final String COMPATIBILITY = "BACKWARD";

  private final WireFormat<T> format;
  private final SchemaRegistryClient registry;
  private final String subject;
  private volatile boolean compatibilitySet;

  public AvroSerde(SchemaRegistryClient registry, String topic, Schema schema) {
    this.registry = registry;
    this.subject = topic + "-value";
    this.format = new WireFormat<>(registry, subject, schema);
  }

  public String subject() {
    return subject;
  }

  /** Sets the subject to BACKWARD and registers the schema: done at app start, so a refusal stops the app early. */
  public void register() throws IOException {
    if (!compatibilitySet) {
      registry.setCompatibility(subject, COMPATIBILITY);
      compatibilitySet = true;
    }
    format.encodeSchemaId();
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, record) -> {
      if (record == null) {
        return null;
      }
      try {
        if (!compatibilitySet) {
          register();
        }
        return format.encode(record);
      } catch (IOException e) {
        throw new SerializationException("cannot write " + subject + ": " + e.getMessage(), e);
      }
    };
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return format.decode(bytes);
      } catch (WireFormat.MalformedRecordException e) {
        throw new SerializationException(e.getMessage(), e);
      } catch (IOException e) {
        // the registry could not be asked: not the record's fault, so not a dead letter
        throw new UncheckedIOException(e);
      }
    };
  }
}
