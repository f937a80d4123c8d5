package io.ksiem.correlate;

import io.ksiem.asset.Asset;
import io.ksiem.asset.AssetLoader;
import io.ksiem.config.LoadProblem;
import io.ksiem.directive.Directive;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.runtime.StreamsApps;
import io.ksiem.schemas.topic.Topic;
import io.ksiem.schemas.topic.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ksiem directives push}: validates directive and asset files as the engine loads them, then makes the
 * directives and assets topics hold exactly that set: new and changed entries are written (a changed directive's
 * record keeps its earlier versions for live backlogs), removed ones get a tombstone, unchanged ones are left alone.
 */
public final class DirectivePublisher {
  private DirectivePublisher() {
  }

  /** What was loaded and what changed on the topics. */
  public record Result(List<LoadProblem> problems, List<LoadProblem> warnings, int directives, int assets,
      int written, int removed) {
  }

  public static Result push(String bootstrapServers, Topics topics, List<Path> directivePaths, List<Path> assetPaths,
      ControlRecords.GroupBy groupBy, int groups, short replication) throws Exception {
    StreamsApps.createTopics(new StreamsApps.Common(bootstrapServers, null, topics.prefix(), null, 1, replication,
        true), List.of(topics.directives, topics.assets));
    DirectiveLoader dl = new DirectiveLoader().loadPaths(directivePaths);
    AssetLoader al = new AssetLoader().loadPaths(assetPaths);
    List<LoadProblem> problems = new ArrayList<>(dl.problems());
    problems.addAll(al.problems());
    if (dl.directives().isEmpty()) {
      return new Result(problems, dl.warnings(), 0, 0, 0, 0);
    }
    Map<String, String> wantDirectives = new HashMap<>();
    Map<String, String> current = read(bootstrapServers, topics.directives);
    for (Directive d : dl.directives()) {
      String key = Integer.toString(d.id);
      wantDirectives.put(key, ControlRecords.directiveValue(d, ControlRecords.group(d, groupBy, groups),
          current.get(key)));
    }
    Map<String, String> wantAssets = new HashMap<>();
    for (Asset a : al.assetList()) {
      wantAssets.put(a.cidr().toString(), ControlRecords.assetValue(a));
    }
    int[] counts = new int[2];
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrapServers, ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
        new StringSerializer(), new StringSerializer())) {
      sync(p, topics.directives, current, wantDirectives, counts, true);
      sync(p, topics.assets, read(bootstrapServers, topics.assets), wantAssets, counts, false);
      p.flush();
    }
    return new Result(problems, dl.warnings(), dl.directives().size(), wantAssets.size(), counts[0], counts[1]);
  }

  private static void sync(KafkaProducer<String, String> p, Topic<String, String> topic, Map<String, String> have,
      Map<String, String> want, int[] counts, boolean directives) throws InterruptedException, ExecutionException {
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    for (var e : want.entrySet()) {
      String old = have.get(e.getKey());
      boolean same = old != null && (directives ? sameDirective(old, e.getValue()) : old.equals(e.getValue()));
      if (!same) {
        sent.add(p.send(new ProducerRecord<>(topic.name(), e.getKey(), e.getValue())));
        counts[0]++;
      }
    }
    for (String key : have.keySet()) {
      if (!want.containsKey(key)) {
        sent.add(p.send(new ProducerRecord<>(topic.name(), key, null)));
        counts[1]++;
      }
    }
    for (var f : sent) {
      f.get();
    }
  }

  private static boolean sameDirective(String oldValue, String newValue) {
    try {
      var a = ControlRecords.readDirective(oldValue);
      var b = ControlRecords.readDirective(newValue);
      return a.directive().equals(b.directive()) && a.group().equals(b.group());
    } catch (IOException e) {
      return false;
    }
  }

  /** The topic's current contents: latest value per key, tombstones removing. */
  public static Map<String, String> read(String bootstrapServers, Topic<String, String> topic) {
    Map<String, String> out = new HashMap<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrapServers, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(),
        new StringDeserializer())) {
      List<TopicPartition> parts = c.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).collect(Collectors.toList());
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      Set<TopicPartition> open = new java.util.HashSet<>(parts);
      open.removeIf(tp -> end.get(tp) == 0);
      while (!open.isEmpty()) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          if (r.value() == null) {
            out.remove(r.key());
          } else {
            out.put(r.key(), r.value());
          }
        }
        open.removeIf(tp -> c.position(tp) >= end.get(tp));
      }
    }
    return out;
  }
}
