package io.ksiem.schemas.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro records in the Confluent wire format: magic byte 0, the writer schema's 4-byte big-endian registry id, then
 * Avro binary. Readers resolve the writer schema from the registry against their own, so old and new producers mix.
 */
public final class WireFormat<T extends SpecificRecord> {
  private static final byte MAGIC = 0;

  private final SchemaRegistryClient registry;
  private final String subject;
  private final Schema schema;
  private final SpecificDatumWriter<T> writer;
  private final java.util.Map<Integer, SpecificDatumReader<T>> readers = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile int id = -1;

  /** Thrown for bytes that are not a record in this format; the message says why. */
  public static final class MalformedRecordException extends IOException {
    MalformedRecordException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public WireFormat(SchemaRegistryClient registry, String subject, Schema schema) {
    this.registry = registry;
    this.subject = subject;
    this.schema = schema;
    this.writer = new SpecificDatumWriter<>(schema);
  }

  /** Registers the schema under the subject (once) and returns its id. */
  public int encodeSchemaId() throws IOException {
    if (id < 0) {
      id = registry.register(subject, schema);
    }
    return id;
  }

  /** Registers the schema under the subject (once) and encodes the record. */
  public byte[] encode(T record) throws IOException {
    int schemaId = encodeSchemaId();
    // serializers run on many threads; each reuses its buffer and encoder (a new encoder allocates 2 KB)
    Buffer b = BUFFER.get();
    b.reset();
    b.write(MAGIC);
    b.write(schemaId >>> 24);
    b.write(schemaId >>> 16);
    b.write(schemaId >>> 8);
    b.write(schemaId);
    b.encoder = EncoderFactory.get().binaryEncoder(b, b.encoder);
    writer.write(record, b.encoder);
    b.encoder.flush();
    return b.toByteArray();
  }

  private static final class Decoding {
    BinaryDecoder decoder;
  }

  private static final ThreadLocal<Decoding> DECODER = ThreadLocal.withInitial(Decoding::new);

  private static final ThreadLocal<Buffer> BUFFER = ThreadLocal.withInitial(Buffer::new);

  private static final class Buffer extends ByteArrayOutputStream {
    BinaryEncoder encoder;

    Buffer() {
      super(512);
    }
  }

  public T decode(byte[] bytes) throws IOException {
    if (bytes == null || bytes.length < 5) {
      throw new MalformedRecordException("record of " + (bytes == null ? 0 : bytes.length)
          + " bytes is too short for the Confluent wire format", null);
    }
    if (bytes[0] != MAGIC) {
      throw new MalformedRecordException("record starts with byte " + bytes[0] + ", not the magic byte 0", null);
    }
    int writerId = ByteBuffer.wrap(bytes, 1, 4).getInt();
    SpecificDatumReader<T> reader = readers.get(writerId);
    if (reader == null) {
      Schema writerSchema;
      try {
        writerSchema = registry.schema(writerId);
      } catch (SchemaRegistryClient.UnknownSchemaException e) {
        throw new MalformedRecordException(e.getMessage(), e);
      }
      reader = new SpecificDatumReader<>(writerSchema, schema);
      readers.put(writerId, reader);
    }
    try {
      Decoding d = DECODER.get();
      d.decoder = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, d.decoder);
      return reader.read(null, d.decoder);
    } catch (RuntimeException | IOException e) {
      throw new MalformedRecordException("record with schema id " + writerId + " does not decode: " + e, e);
    }
  }
}
