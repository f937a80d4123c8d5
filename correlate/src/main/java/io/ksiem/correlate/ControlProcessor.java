package io.ksiem.correlate;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Keeps a global store of the directives or assets topic and tells the catalog it changed. */
final class ControlProcessor implements Processor<String, String, Void, Void> {
  private final String storeName;
  private final Catalog catalog;
  private KeyValueStore<String, String> store;

  ControlProcessor(String storeName, Catalog catalog) {
    this.storeName = storeName;
    this.catalog = catalog;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<String, String> record) {
    if (record.key() == null) {
      return;
    }
    if (record.value() == null) {
      store.delete(record.key());
    } else {
      store.put(record.key(), record.value());
    }
    catalog.changed();
  }
}
