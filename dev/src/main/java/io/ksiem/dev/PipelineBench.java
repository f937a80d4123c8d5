package io.ksiem.dev;

import io.ksiem.asset.AssetLoader;
import io.ksiem.backlog.CorrelationOptions;
import io.ksiem.cli.Offsets;
import io.ksiem.correlate.ControlRecords;
import io.ksiem.correlate.CorrelateApp;
import io.ksiem.correlate.DirectivePublisher;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.engine.Engine;
import io.ksiem.event.EventParser;
import io.ksiem.ingest.DsiemNormalizer;
import io.ksiem.ingest.IngestApp;
import io.ksiem.event.TimeBounds;
import io.ksiem.runtime.App;
import io.ksiem.runtime.StreamsApps;
import io.ksiem.schemas.AlarmEvent;
import io.ksiem.schemas.registry.SchemaRegistryClient;
import io.ksiem.schemas.topic.Topics;
import io.ksiem.servers.ApicurioRegistry;
import io.ksiem.servers.KafkaCluster;
import io.ksiem.servers.MavenArtifacts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The whole pipeline (raw dsiem events in, alarm-event links out, exactly-once) against a plain Kafka Streams
 * pass-through with the same broker, input, partitions and guarantee, in the same run; then end-to-end latency at
 * a steady rate, from an event's produce time to its alarm-event link.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Pipeline events/s against a Kafka Streams pass-through measured in the same run, and latency.")
public final class PipelineBench implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  BenchWorkload workload;

  @Option(names = "--partitions", defaultValue = "4", description = "partitions (default: ${DEFAULT-VALUE})")
  int partitions;

  @Option(names = "--latency-events", defaultValue = "20000",
      description = "events at the end of the workload sent at a steady rate for latency (default: ${DEFAULT-VALUE})")
  int latencyEvents;

  @Option(names = "--latency-rate", defaultValue = "2000",
      description = "events/s of the latency phase (default: ${DEFAULT-VALUE})")
  int latencyRate;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    workload.ensure(out);
    Path directivesFile = workload.directivesFile();
    Path assetsFile = workload.assetsFile();
    Path eventsFile = workload.eventsFile();
    int directives = workload.directives;
    List<byte[]> lines = new ArrayList<>();
    for (String l : Files.readAllLines(eventsFile)) {
      lines.add(l.getBytes(StandardCharsets.UTF_8));
    }
    int bulk = lines.size() - latencyEvents;
    long[] links = expectedLinks(directivesFile, assetsFile, lines, bulk);
    out.printf("workload: %d directives, %d events (%d in bulk, %d at %d/s for latency); the engine gives %d "
        + "links for the bulk, %d in all%n", directives, lines.size(), bulk, latencyEvents, latencyRate, links[0],
        links[1]);
    out.flush();

    Path base = Files.createTempDirectory("ksiem-bench");
    try (KafkaCluster kafka = KafkaCluster.startSingle(base.resolve("kafka"));
        ApicurioRegistry registry = ApicurioRegistry.start(Files.createDirectories(Path.of(".ksiem", "servers")
            .toAbsolutePath()), KafkaCluster.freePort(), MavenArtifacts.Progress.NONE)) {
      String bootstrap = kafka.bootstrapServers();
      // baseline: the same bytes through a pass-through with the same guarantee
      produce(bootstrap, "pt.in", lines.subList(0, bulk), true);
      double passThrough = passThrough(bootstrap, base, bulk);
      out.printf("pass-through (Kafka Streams, exactly-once, %d partitions): %,.0f events/s%n", partitions,
          passThrough);
      out.flush();

      StreamsApps.Common common = new StreamsApps.Common(bootstrap, registry.url(), "pl.",
          base.resolve("state").toString(), partitions, (short) 1, true);
      Topics topics = new Topics("pl.", new SchemaRegistryClient(registry.url()));
      DirectivePublisher.push(bootstrap, topics, List.of(directivesFile), List.of(assetsFile),
          ControlRecords.GroupBy.ID, 64, (short) 1);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        admin.createTopics(List.of(new NewTopic(topics.raw("dsiem").name(), partitions, (short) 1)
            .configs(topics.raw("dsiem").config()))).all().get();
      }
      produce(bootstrap, topics.raw("dsiem").name(), lines.subList(0, bulk), false);
      Map<String, Long> sentAt = new ConcurrentHashMap<>();
      List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicLong seen = new AtomicLong();
      Thread counter = new Thread(() -> countLinks(bootstrap, topics, seen, sentAt, latencies));
      lastLink.set(System.nanoTime());
      counter.setDaemon(true);
      counter.start();
      long start;
      double pipeline;
      try (IngestApp ingest = new IngestApp(new IngestApp.Settings(common.forApp(App.INGEST),
          List.of(new DsiemNormalizer()), "127.0.0.1", -1, "bench-ingest", TimeBounds.defaults()),
          new SimpleMeterRegistry());
          CorrelateApp correlate = new CorrelateApp(new CorrelateApp.Settings(common.forApp(App.CORRELATE),
              partitions, 0, 1, CorrelateApp.Settings.IDLE, CorrelateApp.Settings.MAX_WAIT, TimeBounds.defaults(),
              CorrelationOptions.defaults(), "bench-correlate", java.util.Map.of(),
              io.ksiem.correlate.BoundedRocksDb.DEFAULT_MEMORY))) {
        start = System.nanoTime();
        lastLink.set(start);
        ingest.start();
        correlate.start();
        // The rate runs until 99 % of the links the engine gives have come: the last events of a burst wait until
        // ingest declares its partitions idle, which is latency, not throughput. Then until every link has come
        // (or none for 15 s).
        long target = links[0] * 99 / 100;
        long at99 = 0;
        while (seen.get() < links[0] && System.nanoTime() - lastLink.get() < 15_000_000_000L) {
          if (at99 == 0 && seen.get() >= target) {
            at99 = lastLink.get();
          }
          Thread.sleep(20);
        }
        if (at99 == 0 && seen.get() >= target) {
          at99 = lastLink.get();
        }
        if (at99 > start) {
          pipeline = bulk * 0.99 / ((at99 - start) / 1e9);
          out.printf("99 %% of the bulk's links after %.1f s, the last %.1f s later%n", (at99 - start) / 1e9,
              Math.max(0, lastLink.get() - at99) / 1e9);
        } else {
          // a rate from a run that did not finish would be meaningless: say so instead
          pipeline = Double.NaN;
          out.printf("pipeline rate not measured: %d of the bulk's %d links came, none in the last 15 s%n",
              seen.get(), links[0]);
        }
        out.printf("links committed: %d (read afresh: %d; the engine alone, in file order: %d)%n", seen.get(),
            countCommitted(bootstrap, topics.alarmEvents.name()), links[0]);
        out.printf("events: %d in the events topic, %d in the routed topic%n",
            countCommitted(bootstrap, topics.events.name()),
            countCommitted(bootstrap, "bench-correlate-routed-repartition"));
        out.printf("log offsets written per input event (records and transaction markers): pass-through %.2f, "
            + "pipeline %.2f%n", logOffsets(bootstrap, "pt.out") / (double) bulk,
            (logOffsets(bootstrap, "pl.") + logOffsets(bootstrap, "bench-")) / (double) bulk);
        if (!Double.isNaN(pipeline)) {
          out.printf("pipeline (ingest + correlate, exactly-once, %d partitions): %,.0f events/s, %.0f%% of the "
              + "pass-through%n", partitions, pipeline, 100 * pipeline / passThrough);
        }
        if (seen.get() != links[0]) {
          out.printf("LINKS DIFFER: the pipeline committed %d links for the bulk, the engine alone gives %d%n",
              seen.get(), links[0]);
        }
        out.flush();
        // latency at a steady rate, as a shipper sends: the producer's default batch size, so partitions take
        // turns often; event ids parsed before the clock starts
        List<String> ids = lines.subList(bulk, lines.size()).stream().map(PipelineBench::eventId).toList();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap, ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer())) {
          long t0 = System.nanoTime();
          for (int i = bulk; i < lines.size(); i++) {
            long due = t0 + (long) ((i - bulk) * 1e9 / latencyRate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
              java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
            byte[] line = lines.get(i);
            sentAt.put(ids.get(i - bulk), System.nanoTime());
            p.send(new ProducerRecord<>(topics.raw("dsiem").name(), line));
          }
        }
        // the last events of a burst wait until ingest declares its partitions idle
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while ((!consumed(bootstrap, "bench-ingest", topics.raw("dsiem").name(), 0)
            || !consumed(bootstrap, "bench-correlate", topics.events.name(), 1)
            || seen.get() < links[1] && System.nanoTime() - lastLink.get() < 15_000_000_000L)
            && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        out.printf("links committed in all: %d (the engine alone: %d)%n", seen.get(), links[1]);
      }
      long[] l;
      synchronized (latencies) {
        l = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
      }
      if (l.length == 0) {
        out.printf("latency not measured: no link of the %d events sent at %d events/s came%n", latencyEvents,
            latencyRate);
      } else {
        out.printf("latency, produce to alarm-event link, %d links at %d events/s: p50 %d ms, p90 %d ms, p99 %d ms, "
            + "max %d ms%n", l.length, latencyRate, pct(l, 50), pct(l, 90), pct(l, 99), l[l.length - 1] / 1_000_000);
      }
      if (Double.isNaN(pipeline)) {
        out.println("ratio: not measured (the pipeline rate was not)");
      } else {
        out.printf("ratio: the pipeline ran at %.2f of the pass-through rate (target 0.70)%n",
            pipeline / passThrough);
      }
      out.flush();
      stop = true;
      counter.join();
    }
    return 0;
  }

  private final AtomicLong lastLink = new AtomicLong();
  /** Ends the counting threads before the broker goes. */
  private volatile boolean stop;

  /**
   * Whether the group has committed every record of the topic; {@code slack} allows for the marker that ends the
   * last transaction on a topic written exactly-once.
   */
  private static boolean consumed(String bootstrap, String group, String topic, int slack) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      for (var e : Offsets.end(admin, List.of(topic)).entrySet()) {
        var c = committed.get(e.getKey());
        if (e.getValue() > 0 && (c == null || c.offset() < e.getValue() - slack)) {
          return false;
        }
      }
      return true;
    }
  }

  private static long pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1_000_000;
  }


  private static String eventId(byte[] line) {
    return new EventParser().parse(line).event().eventId;
  }


  /** Link counts the engine gives for the first {@code bulk} events and for all of them. */
  private static long[] expectedLinks(Path directivesFile, Path assetsFile, List<byte[]> lines, int bulk)
      throws Exception {
    EngineBench.CountingSink n = new EngineBench.CountingSink();
    Engine e = new Engine(new DirectiveLoader().loadPaths(List.of(directivesFile)).directives(),
        new AssetLoader().loadPaths(List.of(assetsFile)).assets(), CorrelationOptions.defaults(), n);
    EventParser parser = new EventParser();
    long atBulk = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (i == bulk) {
        atBulk = n.links;
      }
      e.process(parser.parse(lines.get(i)).event());
    }
    return new long[] {atBulk, n.links};
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 262144,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"), new ByteArraySerializer(), new ByteArraySerializer());
  }

  private void produce(String bootstrap, String topic, List<byte[]> values, boolean create) throws Exception {
    if (create) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1),
            new NewTopic("pt.out", partitions, (short) 1))).all().get();
      }
    }
    AtomicLong failed = new AtomicLong();
    AtomicReference<Exception> first = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> p = producer(bootstrap)) {
      for (byte[] v : values) {
        p.send(new ProducerRecord<>(topic, v), (md, e) -> {
          if (e != null) {
            failed.incrementAndGet();
            first.compareAndSet(null, e);
          }
        });
      }
    }
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " of " + values.size() + " records not written to " + topic,
          first.get());
    }
  }

  private double passThrough(String bootstrap, Path base, int n) throws Exception {
    StreamsBuilder b = new StreamsBuilder();
    b.stream("pt.in", Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .to("pt.out", Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    Properties p = new Properties();
    p.put("application.id", "bench-pass-through");
    p.put("bootstrap.servers", bootstrap);
    p.put("processing.guarantee", "exactly_once_v2");
    p.put("state.dir", base.resolve("pt").toString());
    p.put("producer.linger.ms", 5);
    p.put("producer.compression.type", "lz4");
    p.put("consumer.auto.offset.reset", "earliest");
    AtomicLong seen = new AtomicLong();
    Thread counter = new Thread(() -> count(bootstrap, "pt.out", seen));
    counter.setDaemon(true);
    counter.start();
    try (KafkaStreams k = new KafkaStreams(b.build(), p)) {
      long start = System.nanoTime();
      k.start();
      while (seen.get() < n) {
        Thread.sleep(20);
      }
      return n / ((System.nanoTime() - start) / 1e9);
    } finally {
      stop = true;
      counter.join();
      stop = false;
    }
  }

  private static KafkaConsumer<byte[], byte[]> committedReader(String bootstrap) {
    return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.GROUP_ID_CONFIG,
        "bench-reader-" + System.nanoTime(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** The sum of the end offsets of the topics whose name starts with {@code prefix}. */
  private static long logOffsets(String bootstrap, String prefix) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      List<String> names = admin.listTopics().names().get().stream().filter(n -> n.startsWith(prefix)).toList();
      Map<String, Long> byTopic = new java.util.TreeMap<>();
      Offsets.end(admin, names).forEach((tp, end) -> byTopic.merge(tp.topic(), end, Long::sum));
      if (Boolean.getBoolean("bench.verbose")) {
        System.err.println(byTopic);
      }
      return byTopic.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** Records committed to a topic, read from the start with a fresh consumer. */
  static long countCommitted(String bootstrap, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = committedReader(bootstrap)) {
      List<org.apache.kafka.common.TopicPartition> parts = c.partitionsFor(topic).stream()
          .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<org.apache.kafka.common.TopicPartition, Long> end = c.endOffsets(parts);
      long n = 0;
      while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
        n += c.poll(Duration.ofMillis(200)).count();
      }
      return n;
    }
  }

  private void count(String bootstrap, String topic, AtomicLong seen) {
    try (KafkaConsumer<byte[], byte[]> c = committedReader(bootstrap)) {
      c.subscribe(List.of(topic));
      while (!stop) {
        int got = c.poll(Duration.ofMillis(50)).count();
        seen.addAndGet(got);
      }
    }
  }

  private void countLinks(String bootstrap, Topics topics, AtomicLong seen, Map<String, Long> sentAt,
      List<Long> latencies) {
    try (KafkaConsumer<byte[], byte[]> c = committedReader(bootstrap)) {
      c.subscribe(List.of(topics.alarmEvents.name()));
      var deserializer = topics.alarmEvents.valueSerde().deserializer();
      while (!stop) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(20))) {
          long now = System.nanoTime();
          seen.incrementAndGet();
          lastLink.set(now);
          if (!sentAt.isEmpty()) {
            AlarmEvent l = deserializer.deserialize(r.topic(), r.value());
            Long t = sentAt.get(l.getEventId());
            if (t != null) {
              latencies.add(now - t);
            }
          }
        }
      }
    }
  }

}
