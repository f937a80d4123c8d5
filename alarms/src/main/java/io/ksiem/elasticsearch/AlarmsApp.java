package io.ksiem.elasticsearch;

import io.ksiem.runtime.StreamsApps;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/** Runs the Elasticsearch sink on a thread of its own. */
public final class AlarmsApp implements AutoCloseable {
  private final ElasticsearchSink sink;
  private final Thread thread;

  public AlarmsApp(StreamsApps.Common common, ElasticsearchSink.Settings settings, MeterRegistry meters)
      throws Exception {
    Topics topics = new Topics(common.topicPrefix(), common.registry());
    List<io.ksiem.schemas.topic.Topic<?, ?>> used = List.of(topics.events, topics.alarms, topics.alarmEvents,
        topics.deadLetter);
    // a refused login or a missing ACL stops the app here, named, rather than inside the sink's loop
    io.ksiem.runtime.acl.AccessCheck.verify(common.kafka(), io.ksiem.runtime.acl.AppAcls.Role.ALARMS,
        common.topicPrefix(), used.stream().map(io.ksiem.schemas.topic.Topic::name).toList(),
        List.of(settings.groupId()), null, null);
    StreamsApps.createTopics(common, used);
    sink = new ElasticsearchSink(settings, topics, meters);
    thread = new Thread(sink, "ksiem-alarms-sink");
  }

  public ElasticsearchSink sink() {
    return sink;
  }

  public void start() {
    thread.start();
  }

  /** Alive: the sink's thread runs (an Elasticsearch outage is not ill health: the sink waits and resumes). */
  public boolean isAlive() {
    return thread.isAlive();
  }

  /** Ready: alive, and Elasticsearch answered the sink's latest request. */
  public boolean ready() {
    return thread.isAlive() && sink.elasticsearchAnswers();
  }

  /** Its meters on {@code metrics}, with the registry the app was built with (docs/operations.md). */
  public void bindTo(io.ksiem.runtime.AppMetrics metrics) {
    sink.bindTo(metrics);
    metrics.readiness(this::ready);
  }

  @Override
  public void close() throws Exception {
    sink.close();
    thread.join(30_000);
    sink.release();
  }
}
