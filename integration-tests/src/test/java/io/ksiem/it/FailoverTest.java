package io.ksiem.it;

import io.ksiem.correlate.InstanceStatus;
import io.ksiem.schemas.NormalizedEvent;
import io.ksiem.servers.KafkaCluster;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;


/**
 * Correlate instances in JVMs of their own on three brokers, also in JVMs of their own (replication 3, min.insync
 * 2): instances and brokers are killed, restarted and added while attacks go on, and Elasticsearch must hold exactly
 * what `ksiem replay` gives for all the events, every link once.
 */
class FailoverTest {
  static KafkaCluster kafka;

  @BeforeAll
  static void brokers() throws Exception {
    kafka = KafkaCluster.start(Files.createTempDirectory("ksiem-failover"), new int[] {KafkaCluster.freePort(),
        KafkaCluster.freePort(), KafkaCluster.freePort()}, new int[] {KafkaCluster.freePort(),
        KafkaCluster.freePort(), KafkaCluster.freePort()}, true);
  }

  @AfterAll
  static void stop() {
    if (kafka != null) {
      kafka.close();
    }
  }

  /**
   * kill -9 of the busiest of three instances while every backlog sits at stage 2 of 3; the later events arrive
   * after the kill. With no standby the takeover restores from the changelog: measured for comparison.
   */
  @ParameterizedTest(name = "standby replicas: {0}")
  @ValueSource(ints = {1, 0})
  void killingAnInstanceMidAttackLosesAndDoublesNothing(int standbys) throws Exception {
    try (FailoverRig rig = new FailoverRig(kafka.bootstrapServers(), standbys);
        KafkaProducer<String, NormalizedEvent> producer = rig.producer()) {
      for (int i = 0; i < 3; i++) {
        rig.addInstance();
      }
      rig.awaitStatus(3, rig.settled(), Duration.ofMinutes(3));
      for (FailoverRig.Instance i : rig.instances) {
        assertEquals(200, i.health(), "GET /health of a running instance");
      }

      long t0 = Instant.now().getEpochSecond() - 120;
      // stage 1 and two of stage 2's four events: every backlog sits at stage 2 of 3
      List<NormalizedEvent> sent = new ArrayList<>(rig.produce(producer, 0, t0, 0, 3));
      assertEquals(sent.size(), rig.awaitLinks(sent.size(), Duration.ofMinutes(2)).size());

      List<InstanceStatus.Instance> before = InstanceStatus.read(rig.bootstrap, rig.topics).get("correlate");
      assertEquals(rig.settled(), InstanceStatus.health(before), "standbys before the kill: " + before);
      InstanceStatus.Instance victim = FailoverRig.busiest(before);
      List<String> victimTasks = victim.active().stream().filter(victim.stateful()::contains).toList();
      assertFalse(victimTasks.isEmpty(), "the victim runs correlation tasks: " + before);
      for (InstanceStatus.Task t : InstanceStatus.tasks(before)) {
        if (victimTasks.contains(t.id())) {
          assertEquals(standbys, t.standbys().size(), "task " + t.id() + "'s standbys elsewhere");
        }
      }
      FailoverRig.Instance killed = rig.byPid(victim.pid());

      long killAt = killed.kill();
      // the rest of stage 2 and all of stage 3, arriving after the kill
      sent.addAll(rig.produce(producer, 0, t0, 3, FailoverRig.EVENTS));
      rig.assertExactlyOnce(sent, Duration.ofMinutes(3));

      // takeover: from the kill until each of the victim's tasks served its first event elsewhere
      Map<String, Long> served = new TreeMap<>();
      List<String> restored = new ArrayList<>();
      for (FailoverRig.Instance i : rig.instances) {
        if (i != killed) {
          i.firstEvents(killAt).forEach((task, at) -> {
            if (victimTasks.contains(task)) {
              served.merge(task, at - killAt, Math::min);
            }
          });
          i.restores().forEach(r -> restored.add(r[0] + " records in " + r[1] + " ms"));
        }
      }
      assertEquals(new HashSet<>(victimTasks), served.keySet(), "every task of the killed instance served again");
      System.out.printf("failover with %d standby replicas: killed %s (tasks %s); first event served after the "
          + "kill: %s ms; restores on the survivors: %s%n", standbys, victim.id(), victimTasks, served, restored);
    }
  }

  /** Attack waves produced without pause until closed: every wave is all the attacks, from stage 1 to the end. */
  static final class Load implements AutoCloseable {
    final List<NormalizedEvent> sent = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;

    Load(FailoverRig rig, Duration pause) {
      long t0 = Instant.now().getEpochSecond() - 1800;
      thread = new Thread(() -> {
        try (KafkaProducer<String, NormalizedEvent> p = rig.producer()) {
          for (int wave = 0; !stop.get(); wave++) {
            // a wave a few seconds of event time after the last, all well inside the directives' timeouts
            for (int n = 0; n < FailoverRig.EVENTS; n++) {
              sent.addAll(rig.round(p, wave, t0 + wave * 10L, n));
              Thread.sleep(pause.toMillis());
            }
          }
        } catch (Throwable e) {
          failure.set(e);
        }
      }, "failover-load");
      thread.start();
    }

    int size() {
      check();
      return sent.size();
    }

    void check() {
      if (failure.get() != null) {
        throw new AssertionError("producing the load failed", failure.get());
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join();
      check();
    }
  }

  /**
   * Under a steady load of attacks: a fourth instance joins, every instance restarts in turn (an in-service
   * upgrade), one is killed and restarted, and one of the three brokers is killed and restarted. Nothing is lost,
   * nothing doubled; the restarts are measured.
   */
  @Test
  void joinsRestartsAndABrokerKillUnderLoadLoseAndDoubleNothing() throws Exception {
    try (FailoverRig rig = new FailoverRig(kafka.bootstrapServers(), 1)) {
      for (int i = 0; i < 3; i++) {
        rig.addInstance();
      }
      rig.awaitStatus(3, rig.settled(), Duration.ofMinutes(3));
      List<String> report = new ArrayList<>();
      Load load = new Load(rig, Duration.ofMillis(400));
      try (load) {
        awaitProgress(rig, load, Duration.ofMinutes(1));

        // a fourth instance joins: tasks move to it
        FailoverRig.Instance fourth = rig.addInstance();
        List<InstanceStatus.Instance> four = rig.awaitStatus(4, rig.settled(), Duration.ofMinutes(3));
        InstanceStatus.Instance joined = four.stream().filter(i -> i.pid() == fourth.pid()).findFirst().orElseThrow();
        assertFalse(joined.active().isEmpty(), "tasks moved to the new instance: " + four);
        Map<String, Long> first = awaitFirstEvents(fourth, fourth.startedAt, load);
        report.add(String.format("joined: replicated again %d ms after start, first event served after %d ms, tasks %s",
            System.currentTimeMillis() - fourth.startedAt, first.values().stream().min(Long::compare).orElseThrow()
            - fourth.startedAt, joined.active()));

        // rolling restart, one at a time, each back and replicated before the next goes
        for (FailoverRig.Instance i : rig.instances) {
          long pid = i.pid();
          long stopAt = System.currentTimeMillis();
          i.stop();
          long stopped = System.currentTimeMillis() - stopAt;
          i.start();
          rig.awaitStatus(4, rig.settled(), Duration.ofMinutes(3));
          report.add(String.format("rolling restart of %d: stopped in %d ms, replicated %d ms after start, restored "
              + "%s, warmed up %s", pid, stopped, System.currentTimeMillis() - i.startedAt, loads(i.restores()),
              loads(i.warmups())));
        }
        awaitProgress(rig, load, Duration.ofMinutes(1));

        // kill -9 the busiest instance, let the others take over, then start it again on its old state directory
        List<InstanceStatus.Instance> now = InstanceStatus.read(rig.bootstrap, rig.topics).get("correlate");
        FailoverRig.Instance crashed = rig.byPid(FailoverRig.busiest(now).pid());
        long crashedPid = crashed.pid();
        long killAt = crashed.kill();
        rig.awaitStatus(3, rig.settled(), Duration.ofMinutes(3));
        report.add(String.format("killed %d: the other three replicated again after %d ms", crashed.pid(),
            System.currentTimeMillis() - killAt));
        crashed.start();
        rig.awaitStatus(4, rig.settled(), Duration.ofMinutes(3));
        long replicated = System.currentTimeMillis() - crashed.startedAt;
        // its state wiped (exactly-once, unclean stop), it warms up as a standby and takes tasks at the next
        // probing rebalance
        rig.awaitStatus("instance " + crashed.pid() + " running a correlation task", Duration.ofMinutes(3),
            status -> status.stream().anyMatch(s -> s.pid() == crashed.pid()
                && s.active().stream().anyMatch(s.stateful()::contains)));
        Map<String, Long> served = awaitFirstEvents(crashed, crashed.startedAt, load);
        report.add(String.format("restarted %d after kill -9: replicated %d ms after start, first event served "
            + "after %d ms; warmed up %s; restored %s", crashedPid, replicated, served.values().stream()
            .min(Long::compare).orElseThrow() - crashed.startedAt, loads(crashed.warmups()),
            loads(crashed.restores())));

        // one of the three brokers dies; with min.insync 2 of 3 the pipeline goes on without it
        long brokerKill = System.currentTimeMillis();
        kafka.killNode(3);
        int atKill = load.size();
        // writes to the partitions it led wait until the controller fences it (broker.session.timeout.ms, 9 s)
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (load.size() == atKill && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertTrue(load.size() > atKill, "events produced with broker 3 down");
        long stalled = System.currentTimeMillis() - brokerKill;
        Thread.sleep(5_000);
        int whileDown = load.size() - atKill;
        awaitProgress(rig, load, Duration.ofMinutes(2));
        report.add(String.format("broker 3 killed: producing stalled %d ms, then %d events produced with it down; "
            + "all produced so far linked %d ms after the kill, the broker still down", stalled, whileDown,
            System.currentTimeMillis() - brokerKill));
        kafka.startNode(3);
        awaitProgress(rig, load, Duration.ofMinutes(2));
      }
      // the load ends with the wave it was in, so every attack is whole
      List<NormalizedEvent> sent = new ArrayList<>(load.sent);
      rig.assertExactlyOnce(sent, Duration.ofMinutes(3));
      System.out.printf("under load (%d events):%n  %s%n", sent.size(), String.join("\n  ", report));
    }
  }

  /** Waits until the links cover every event produced so far: the pipeline keeps up. */
  static void awaitProgress(FailoverRig rig, Load load, Duration timeout) throws Exception {
    int target = load.size();
    int linked = rig.awaitLinks(target, timeout).size();
    assertTrue(linked >= target, "only " + linked + " of " + target + " events linked within " + timeout);
  }

  /** The first events {@code i}'s current process served, waiting for the load to bring one. */
  static Map<String, Long> awaitFirstEvents(FailoverRig.Instance i, long after, Load load) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, Long> m = i.firstEvents(after);
      if (!m.isEmpty()) {
        return m;
      }
      load.check();
      Thread.sleep(200);
    }
    throw new AssertionError("instance " + i.pid() + " served no event within a minute:\n" + i.outputSinceStart());
  }

  static String loads(List<long[]> r) {
    long records = 0;
    long ms = 0;
    for (long[] x : r) {
      records += x[0];
      ms = Math.max(ms, x[1]);
    }
    return r.size() + " partitions, " + records + " records, longest " + ms + " ms";
  }
}
