package io.ksiem.it;

import io.ksiem.dev.LocalPipeline;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.servers.Elasticsearch;
import io.ksiem.servers.KafkaCluster;
import io.ksiem.servers.MavenArtifacts;
import io.ksiem.servers.SharedServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * Elasticsearch stops in the middle of a run and comes back: the sink waits, commits nothing it has not written,
 * and in the end Elasticsearch holds every alarm and link, as replay gives them. Secured, as the shared one is: the
 * sink writes as the least-privilege user, and the restart keeps the CA and the users.
 */
class ElasticsearchOutageTest {
  @Test
  void noAlarmIsLostWhileElasticsearchIsDown() throws Exception {
    Path data = Files.createTempDirectory("ksiem-es-outage");
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    int port = KafkaCluster.freePort();
    Elasticsearch es = Elasticsearch.startSecured(SharedServers.serversDir(), data, port, MavenArtifacts.Progress.NONE);
    String url = es.url();
    PipelineFixture f = new PipelineFixture(SharedServers.kafka().bootstrapServers(), SharedServers.registryUrl(),
        "outage.");
    try (LocalPipeline p = f.pipeline(url)) {
      p.start();
      p.awaitRunning(Duration.ofSeconds(60));
      // the ping flood first, while Elasticsearch is up
      f.produceRaw("suricata", PipelineFixture.example("suricata.jsonl"));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (PipelineFixture.alarms(url).isEmpty() && System.nanoTime() < deadline) {
        PipelineFixture.get(url, "/_refresh");
        Thread.sleep(300);
      }
      assertTrue(!PipelineFixture.alarms(url).isEmpty(), "alarms arrive before the outage");
      // the probes as k8s and compose ask them (GET /health/live, /health/ready)
      var probes = new io.ksiem.runtime.OpsEndpoint.Probes(p.alarms()::isAlive, p.alarms()::ready);
      assertEquals(200, probe(probes, "/health/ready"), "Elasticsearch answers: ready");

      es.close();
      f.produceRaw("openssh", PipelineFixture.example("openssh.jsonl"));
      for (String line : PipelineFixture.example("dsiem.jsonl")) {
        assertEquals(200, PipelineFixture.post(p.ingest().httpPort(), line), line);
      }
      List<NormalizedEvent> events = f.events(72, Duration.ofSeconds(60));
      deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!p.alarms().sink().waitingForElasticsearch() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(p.alarms().sink().waitingForElasticsearch(), "the sink noticed the outage and waits");
      Thread.sleep(3000);
      assertEquals(503, probe(probes, "/health/ready"), "Elasticsearch is down: not ready");
      assertEquals(200, probe(probes, "/health/live"), "but alive: the sink waits, restarting it helps nothing");

      es = Elasticsearch.startSecured(SharedServers.serversDir(), data, port, MavenArtifacts.Progress.NONE);
      PipelineFixture.assertElasticsearchHolds(url, f.replay(events), Duration.ofSeconds(90));
      assertEquals(200, probe(probes, "/health/ready"), "Elasticsearch is back: ready again");
      assertEquals(200, probe(probes, "/health/live"));
    } finally {
      es.close();
    }
  }

  private static int probe(io.ksiem.runtime.OpsEndpoint.Probes probes, String path) {
    return io.ksiem.runtime.OpsEndpoint.answer(path, probes, null).status();
  }
}
