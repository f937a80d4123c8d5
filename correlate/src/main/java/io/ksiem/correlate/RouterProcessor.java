package io.ksiem.correlate;

import io.ksiem.event.EventParser;
import io.ksiem.runtime.App;
import io.ksiem.runtime.EventRecords;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.schemas.topic.Topics;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Before routing: keeps the catalog current for the partitioner, turns an event that is not valid into a dead
 * letter with the reason, and sends every correlation task a clock record (a null value whose timestamp is the
 * time, keyed by this partition) whenever this partition's event time moves on, so every task's clock follows the
 * whole stream, as in a replay, and not only the events routed to it.
 */
final class RouterProcessor implements Processor<String, NormalizedEvent, String, Object> {
  private final Catalog catalog;
  private ProcessorContext<String, Object> context;
  private ReadOnlyKeyValueStore<String, String> directives;
  private ReadOnlyKeyValueStore<String, String> assets;
  private long clock = Long.MIN_VALUE;
  private String clockKey;

  /** The key of clock records, followed by the partition of the events topic they speak for. */
  static final String CLOCK_KEY = "\u0000clock/";

  RouterProcessor(Catalog catalog) {
    this.catalog = catalog;
  }

  /** An event that is not valid, with the reason. */
  record Invalid(NormalizedEvent event, String reason) {
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    this.directives = context.getStateStore(CorrelateTopology.DIRECTIVE_STORE);
    this.assets = context.getStateStore(CorrelateTopology.ASSET_STORE);
    this.clockKey = CLOCK_KEY + context.taskId().partition();
    catalog.refresh(directives, assets);
  }

  @Override
  public void process(Record<String, NormalizedEvent> record) {
    catalog.refresh(directives, assets);
    EventParser.Result r = EventRecords.toEngine(record.value());
    if (r.ok()) {
      long time = r.event().time;
      if (time > clock) {
        clock = time;
        context.forward(new Record<>(clockKey, null, time * 1000));
      }
      // an event no directive can match goes nowhere (and moved the clock above)
      java.util.Set<Integer> route = catalog.current().route(r.event());
      if (!route.isEmpty()) {
        catalog.rememberRoute(record.value(), route);
        context.forward(record);
      }
      return;
    }
    Headers h = new RecordHeaders(record.headers().toArray());
    var m = context.recordMetadata().orElseThrow();
    Topics.deadLetterHeaders(h, r.reason(), App.CORRELATE.shortName(), m.topic(), m.partition(), m.offset());
    context.forward(new Record<>(record.key(), new Invalid(record.value(), r.reason()), record.timestamp(), h));
  }
}
