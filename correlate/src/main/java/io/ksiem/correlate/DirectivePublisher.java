package io.ksiem.correlate;

import io.ksiem.asset.Asset;
import io.ksiem.asset.AssetLoader;
import io.ksiem.config.LoadProblem;
import io.ksiem.directive.Directive;
import io.ksiem.directive.DirectiveLoader;
import io.ksiem.runtime.KafkaClients;
import io.ksiem.runtime.StreamsApps;
import io.ksiem.schemas.topic.Topic;
import io.ksiem.schemas.topic.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * {@link #plan} works out those changes without writing, so that a caller can show them or refuse a set with
 * invalid entries before anything reaches the topics; {@link #publish} writes them.
 */
public final class DirectivePublisher {
  private DirectivePublisher() {
  }

  /** What was loaded and what changed on the topics. */
  public record Result(List<LoadProblem> problems, List<LoadProblem> warnings, int directives, int assets,
      int written, int removed) {
  }

  /** What a push does to one key of the directives or assets topic. */
  public enum Kind { NEW, CHANGED, REMOVED }

  /** One record a push writes: {@code value} is null for a tombstone. {@code label} names it for people. */
  public record Change(String key, String label, Kind kind, String value) {
  }

  /**
   * What publishing the loaded files would do, computed before anything is written so that a caller can refuse it.
   * The invalid entries are those that fail a check ({@code file #n: directive id: reason}, the reason naming the
   * rule's stage); {@code disabled} are the directives switched off with {@code "disabled": true}. The changes are
   * those of publishing only the valid entries: entries on the topics that the files no longer hold, or hold only
   * in an invalid form, are removed.
   */
  public record Plan(List<LoadProblem> invalidDirectives, List<LoadProblem> invalidAssets,
      List<LoadProblem> disabled, List<LoadProblem> warnings, int directives, int assets,
      List<Change> directiveChanges, List<Change> assetChanges) {
    public List<LoadProblem> invalid() {
      List<LoadProblem> all = new ArrayList<>(invalidDirectives);
      all.addAll(invalidAssets);
      return all;
    }

    public int writes() {
      return (int) java.util.stream.Stream.concat(directiveChanges.stream(), assetChanges.stream())
          .filter(c -> c.kind() != Kind.REMOVED).count();
    }

    public int removals() {
      return directiveChanges.size() + assetChanges.size() - writes();
    }
  }

  /**
   * Publishes the valid directives and assets and removes the rest from the topics, however many were invalid: for
   * callers whose files are known (the local stack, test fixtures), which report the problems themselves. {@code
   * ksiem directives push} plans first instead, so that it can refuse a partial set.
   */
  public static Result push(String bootstrapServers, Topics topics, List<Path> directivePaths, List<Path> assetPaths,
      ControlRecords.GroupBy groupBy, int groups, short replication) throws Exception {
    return push(KafkaClients.of(bootstrapServers), topics, directivePaths, assetPaths, groupBy, groups, replication);
  }

  public static Result push(KafkaClients bootstrapServers, Topics topics, List<Path> directivePaths,
      List<Path> assetPaths, ControlRecords.GroupBy groupBy, int groups, short replication) throws Exception {
    createTopics(bootstrapServers, topics, replication);
    Plan plan = plan(bootstrapServers, topics, directivePaths, assetPaths, groupBy, groups);
    List<LoadProblem> problems = new ArrayList<>(plan.disabled());
    problems.addAll(plan.invalid());
    if (plan.directives() == 0) {
      return new Result(problems, plan.warnings(), 0, 0, 0, 0);
    }
    publish(bootstrapServers, topics, plan, replication);
    return new Result(problems, plan.warnings(), plan.directives(), plan.assets(), plan.writes(), plan.removals());
  }

  /** Loads and checks the files and compares them with the topics; writes nothing and creates no topic. */
  public static Plan plan(KafkaClients bootstrapServers, Topics topics, List<Path> directivePaths,
      List<Path> assetPaths, ControlRecords.GroupBy groupBy, int groups) throws IOException {
    DirectiveLoader dl = new DirectiveLoader().loadPaths(directivePaths);
    AssetLoader al = new AssetLoader().loadPaths(assetPaths);
    return plan(dl, al, read(bootstrapServers, topics.directives), read(bootstrapServers, topics.assets), groupBy,
        groups);
  }

  /** {@link #plan(String, Topics, List, List, ControlRecords.GroupBy, int)} on loaded files and topic contents. */
  public static Plan plan(DirectiveLoader dl, AssetLoader al, Map<String, String> currentDirectives,
      Map<String, String> currentAssets, ControlRecords.GroupBy groupBy, int groups) {
    List<LoadProblem> invalid = new ArrayList<>();
    List<LoadProblem> disabled = new ArrayList<>();
    for (LoadProblem p : dl.problems()) {
      (isDisabled(p) ? disabled : invalid).add(p);
    }
    Map<String, String> wantDirectives = new java.util.TreeMap<>(DirectivePublisher::byNumber);
    Map<String, String> directiveNames = new HashMap<>();
    for (Directive d : dl.directives()) {
      String key = Integer.toString(d.id);
      wantDirectives.put(key, ControlRecords.directiveValue(d, ControlRecords.group(d, groupBy, groups),
          currentDirectives.get(key)));
      directiveNames.put(key, d.name);
    }
    Map<String, String> wantAssets = new java.util.TreeMap<>();
    Map<String, String> assetNames = new HashMap<>();
    for (Asset a : al.assetList()) {
      wantAssets.put(a.cidr().toString(), ControlRecords.assetValue(a));
      assetNames.put(a.cidr().toString(), a.name());
    }
    return new Plan(List.copyOf(invalid), List.copyOf(al.problems()), List.copyOf(disabled),
        List.copyOf(dl.warnings()), dl.directives().size(), wantAssets.size(),
        diff(currentDirectives, wantDirectives, true, directiveNames),
        diff(currentAssets, wantAssets, false, assetNames));
  }

  /**
   * The loader reports a directive with {@code "disabled": true} among its problems, as dsiem does, but it is the
   * author's choice and not a mistake: it must not make a push refuse the set.
   */
  public static boolean isDisabled(LoadProblem p) {
    return "disabled (skipped)".equals(p.reason());
  }

  /** Writes a plan: creates the topics when they do not exist yet, then sends every change and waits for it. */
  public static void publish(KafkaClients bootstrapServers, Topics topics, Plan plan, short replication)
      throws Exception {
    createTopics(bootstrapServers, topics, replication);
    try (KafkaProducer<String, String> p = new KafkaProducer<>(bootstrapServers.config(Map.of(
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)),
        new StringSerializer(), new StringSerializer())) {
      List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
      for (Change c : plan.directiveChanges()) {
        sent.add(p.send(new ProducerRecord<>(topics.directives.name(), c.key(), c.value())));
      }
      for (Change c : plan.assetChanges()) {
        sent.add(p.send(new ProducerRecord<>(topics.assets.name(), c.key(), c.value())));
      }
      p.flush();
      for (var f : sent) {
        f.get();
      }
    }
  }

  private static void createTopics(KafkaClients bootstrapServers, Topics topics, short replication)
      throws Exception {
    StreamsApps.createTopics(new StreamsApps.Common(bootstrapServers, null, topics.prefix(), null, 1, replication,
        true), List.of(topics.directives, topics.assets));
  }

  private static List<Change> diff(Map<String, String> have, Map<String, String> want, boolean directives,
      Map<String, String> names) {
    List<Change> out = new ArrayList<>();
    for (var e : want.entrySet()) {
      String old = have.get(e.getKey());
      boolean same = old != null && (directives ? sameDirective(old, e.getValue()) : old.equals(e.getValue()));
      if (!same) {
        out.add(new Change(e.getKey(), names.get(e.getKey()), old == null ? Kind.NEW : Kind.CHANGED, e.getValue()));
      }
    }
    List<String> gone = new ArrayList<>(have.keySet());
    gone.removeAll(want.keySet());
    gone.sort(directives ? DirectivePublisher::byNumber : Comparator.naturalOrder());
    for (String key : gone) {
      out.add(new Change(key, directives ? directiveName(have.get(key)) : assetName(have.get(key)), Kind.REMOVED,
          null));
    }
    return out;
  }

  /** Directive ids in numeric order, so that listings read like the files. */
  private static int byNumber(String a, String b) {
    try {
      return Long.compare(Long.parseLong(a), Long.parseLong(b));
    } catch (NumberFormatException e) {
      return a.compareTo(b);
    }
  }

  private static String directiveName(String value) {
    try {
      return ControlRecords.readDirective(value).directive().path("name").asText("");
    } catch (IOException e) {
      return "";
    }
  }

  private static String assetName(String value) {
    try {
      return ControlRecords.readAsset(value).path("name").asText("");
    } catch (IOException e) {
      return "";
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

  /** The topic's current contents: latest value per key, tombstones removing; empty when there is no topic. */
  public static Map<String, String> read(String bootstrapServers, Topic<String, String> topic) {
    return read(KafkaClients.of(bootstrapServers), topic);
  }

  public static Map<String, String> read(KafkaClients bootstrapServers, Topic<String, String> topic) {
    Map<String, String> out = new HashMap<>();
    // a broker that creates topics on demand would otherwise create this one, uncompacted, just by being asked
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(bootstrapServers.config(Map.of(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
        false)), new StringDeserializer(), new StringDeserializer())) {
      List<org.apache.kafka.common.PartitionInfo> info = c.partitionsFor(topic.name(), Duration.ofSeconds(30));
      if (info == null || info.isEmpty()) {
        return out;
      }
      List<TopicPartition> parts = info.stream()
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
