package io.ksiem.ingest;

/** Turns the raw records of one source into normalized events. */
public interface Normalizer {
  /** The source name; its raw topic is {@code <prefix>raw.<source>}. */
  String source();

  /** {@code origin} names the record (topic, partition, offset) for generated event ids. */
  Outcome normalize(byte[] value, String origin);
}
