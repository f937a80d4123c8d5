package io.ksiem.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One app's metrics, as {@code GET /metrics} shows them in Prometheus' text format (docs/operations.md): the JVM's
 * and the process's, Kafka Streams' and the Kafka clients' (Micrometer's Kafka binders, which follow the clients'
 * own metrics as threads and tasks come and go), and ksiem's, which each app registers on {@link #registry()}.
 */
public final class AppMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<AutoCloseable> binders = new ArrayList<>();

  public AppMetrics() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    binders.add(gc);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Streams app's metrics, its clients' included. */
  public void bind(KafkaStreams streams) {
    KafkaStreamsMetrics m = new KafkaStreamsMetrics(streams);
    m.bindTo(registry);
    binders.add(m);
  }

  public void bind(Producer<?, ?> producer) {
    KafkaClientMetrics m = new KafkaClientMetrics(producer);
    m.bindTo(registry);
    binders.add(m);
  }

  public void bind(Consumer<?, ?> consumer) {
    KafkaClientMetrics m = new KafkaClientMetrics(consumer);
    m.bindTo(registry);
    binders.add(m);
  }

  /** {@code ksiem_ready}: 1 while {@code ready} holds, as {@code GET /health/ready} answers 200. */
  public void readiness(java.util.function.BooleanSupplier ready) {
    io.micrometer.core.instrument.Gauge.builder("ksiem.ready", () -> ready.getAsBoolean() ? 1 : 0)
        .description("1 while GET /health/ready answers 200").register(registry);
  }

  /** The dead-letter counter of {@code stage} for one reason class: one name and help text for every app. */
  public static io.micrometer.core.instrument.Counter deadLetters(MeterRegistry registry, String stage,
      String reasonClass) {
    return io.micrometer.core.instrument.Counter.builder("ksiem.dead.letters")
        .description("records sent to the dead-letter topic, by reason class").tag("stage", stage)
        .tag("reason", reasonClass).register(registry);
  }

  /** Every meter, in Prometheus' text format (version 0.0.4). */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    for (AutoCloseable b : binders) {
      try {
        b.close();
      } catch (Exception e) {
        // closing meters cannot fail in a way the app could act on
      }
    }
    registry.close();
  }
}
