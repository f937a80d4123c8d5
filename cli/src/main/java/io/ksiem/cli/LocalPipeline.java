package io.ksiem.cli;

import io.ksiem.alarms.AlarmsApp;
import io.ksiem.alarms.AlarmsSink;
import io.ksiem.correlate.CorrelateApp;
import io.ksiem.correlate.StreamsApps;
import io.ksiem.ingest.IngestApp;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;

/** The three apps in this JVM against given servers: what `ksiem up` and the end-to-end tests run. */
public final class LocalPipeline implements AutoCloseable {
  private final IngestApp ingest;
  private final CorrelateApp correlate;
  private final AlarmsApp alarms;

  /** Where the apps connect and how they are set. */
  public record Settings(StreamsApps.Common common, String elasticsearchUrl, int routedPartitions, Duration idle,
      int httpPort, boolean writeEvents) {
  }

  public LocalPipeline(Settings s, MeterRegistry meters) throws Exception {
    StreamsApps.Common c = s.common();
    Path state = Path.of(c.stateDir());
    Files.createDirectories(state);
    ingest = new IngestApp(new IngestApp.Settings(withState(c, state.resolve("ingest")),
        IngestApp.builtInSources(), "127.0.0.1", s.httpPort(),
        StreamsApps.applicationId(c.topicPrefix(), "ingest")), meters);
    correlate = new CorrelateApp(new CorrelateApp.Settings(withState(c, state.resolve("correlate")),
        s.routedPartitions(), 1, 1, s.idle(), CorrelateApp.Settings.SILENCE, io.ksiem.engine.EngineOptions.defaults(),
        StreamsApps.applicationId(c.topicPrefix(), "correlate")));
    alarms = new AlarmsApp(c, new AlarmsSink.Settings(c.bootstrapServers(),
        StreamsApps.applicationId(c.topicPrefix(), "alarms"),
        s.elasticsearchUrl(), s.writeEvents(), 1000), meters);
  }

  private static StreamsApps.Common withState(StreamsApps.Common c, Path dir) throws IOException {
    Files.createDirectories(dir);
    return new StreamsApps.Common(c.bootstrapServers(), c.registryUrl(), c.topicPrefix(), dir.toString(),
        c.partitions(), c.replication(), c.exactlyOnce());
  }

  public void start() {
    ingest.start();
    correlate.start();
    alarms.start();
  }

  /** Waits until both Streams apps are running. */
  public void awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (KafkaStreams k : List.of(ingest.streams(), correlate.streams())) {
      while (k.state() != KafkaStreams.State.RUNNING) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("apps not running within " + timeout + ": " + k.state());
        }
        Thread.sleep(100);
      }
    }
  }

  public IngestApp ingest() {
    return ingest;
  }

  public CorrelateApp correlate() {
    return correlate;
  }

  public AlarmsApp alarms() {
    return alarms;
  }

  @Override
  public void close() throws Exception {
    ingest.close();
    correlate.close();
    alarms.close();
  }
}
