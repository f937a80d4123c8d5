package io.ksiem.ingest;

import io.ksiem.event.TimeBounds;
import io.ksiem.runtime.AppMetrics;
import io.ksiem.runtime.OpsEndpoint;
import io.ksiem.runtime.StreamsApps;
import io.ksiem.runtime.acl.AccessCheck;
import io.ksiem.runtime.acl.AppAcls;
import io.ksiem.schemas.topic.Topic;
import io.ksiem.schemas.topic.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

/** Runs the ingest topology and the HTTP intake. */
public final class IngestApp implements AutoCloseable {
  /**
   * Settings beyond the common ones; {@code httpPort} 0 picks a free port, -1 turns the intake off; {@code intake}
   * how {@code POST /events} is served (TLS, credentials, limits).
   */
  public record Settings(StreamsApps.Common common, List<Normalizer> sources, String httpHost, int httpPort,
      String applicationId, TimeBounds bounds, IntakeSettings intake) {
    /** The intake on plain HTTP without credentials: anyone who can reach the port can post. */
    public Settings(StreamsApps.Common common, List<Normalizer> sources, String httpHost, int httpPort,
        String applicationId, TimeBounds bounds) {
      this(common, sources, httpHost, httpPort, applicationId, bounds, IntakeSettings.open());
    }
  }

  private final KafkaStreams streams;
  private final HttpIntake intake;
  private final Topology topology;
  private final RawPartitionEnds upstream;

  public IngestApp(Settings s, MeterRegistry meters) throws Exception {
    Topics topics = new Topics(s.common().topicPrefix(), s.common().registry());
    List<Topic<?, ?>> wanted = new ArrayList<>(List.of(topics.events, topics.deadLetter));
    s.sources().forEach(n -> wanted.add(topics.raw(n.source())));
    // a refused login or a missing ACL stops the app here, named, rather than inside a client
    AccessCheck.verify(s.common().kafka(), AppAcls.Role.INGEST, s.common().topicPrefix(),
        wanted.stream().map(Topic::name).toList(), List.of(s.applicationId()), null,
        s.common().exactlyOnce() ? s.applicationId() + "-" : null);
    StreamsApps.createTopics(s.common(), wanted);
    topics.registerSchemas();
    upstream = new RawPartitionEnds(s.common().kafka(), s.applicationId(), topics,
        s.sources().stream().map(Normalizer::source).toList());
    topology = IngestTopology.build(topics, s.sources(), s.bounds(), upstream, meters);
    streams = new KafkaStreams(topology, StreamsApps.properties(s.common(), io.ksiem.runtime.App.INGEST,
        s.applicationId(), topics));
    StreamsApps.stopOnFailure(streams, io.ksiem.runtime.App.INGEST);
    intake = s.httpPort() < 0 ? null
        : new HttpIntake(s.httpHost(), s.httpPort(), s.common().kafka(), topics, s.bounds(), s.intake(), meters);
  }

  /** Alive: running, rebalancing or starting; not failed, stopping or stopped (then restart it). */
  public boolean live() {
    return StreamsApps.isLive(streams);
  }

  /** Ready: running, and the intake (when on) can write to Kafka. */
  public boolean ready() {
    return streams.state() == KafkaStreams.State.RUNNING && (intake == null || intake.writable());
  }

  /**
   * Its meters on {@code metrics} and the operator's paths on its intake port (docs/operations.md); call before
   * {@link #start()}, with the registry the app was built with.
   */
  public void bindTo(AppMetrics metrics) {
    metrics.bind(streams);
    metrics.readiness(this::ready);
    if (intake != null) {
      intake.ops(new OpsEndpoint.Probes(this::live, this::ready), metrics);
    }
  }

  /** The built-in sources: dsiem JSON, Suricata EVE and OpenSSH. */
  public static List<Normalizer> builtInSources() throws java.io.IOException {
    return List.of(new DsiemNormalizer(), Mapping.builtIn("suricata"), Mapping.builtIn("openssh"));
  }

  /**
   * The built-in sources plus the mapping files at {@code paths} (files, or directories whose {@code *.json} files
   * are read in name order). A mapping for a source that is already there replaces it, so a site can adjust a
   * shipped mapping without code.
   */
  public static List<Normalizer> sources(List<java.nio.file.Path> paths) throws java.io.IOException {
    java.util.Map<String, Normalizer> bySource = new java.util.LinkedHashMap<>();
    for (Normalizer n : builtInSources()) {
      bySource.put(n.source(), n);
    }
    for (java.nio.file.Path f : io.ksiem.config.DirectoryFiles.expand(paths, "")) {
      Mapping m = Mapping.load(f);
      bySource.put(m.source(), m);
    }
    return List.copyOf(bySource.values());
  }

  public Topology topology() {
    return topology;
  }

  public KafkaStreams streams() {
    return streams;
  }

  /** The HTTP intake's port, or -1 when it is off. */
  public int httpPort() {
    return intake == null ? -1 : intake.port();
  }

  public void start() {
    upstream.start();
    streams.start();
  }

  @Override
  public void close() {
    if (intake != null) {
      intake.close();
    }
    streams.close(Duration.ofSeconds(30));
    upstream.close();
  }
}
