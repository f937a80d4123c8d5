package io.ksiem.servers;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * Real Kafka brokers in KRaft mode, inside this JVM or each in a JVM of its own (so that one can be killed): each
 * node is broker and controller, on 127.0.0.1, with its data under one directory. Formatting happens once, so a
 * cluster started again on the same directory and ports keeps its topics and offsets.
 */
public final class KafkaCluster implements AutoCloseable {
  /** The SCRAM mechanism of the secured broker's SASL_SSL listener. */
  public static final String SCRAM = "SCRAM-SHA-512";
  /** The secured broker's super user, a SCRAM user made at format time. */
  public static final String ADMIN = "admin";

  private final List<Node> nodes = new ArrayList<>();
  private final String bootstrap;
  private final String sslBootstrap;
  private final boolean processes;
  private final Certificates certificates;
  private final String adminPassword = java.util.UUID.randomUUID().toString();

  /** One node's ports and directory, kept so it can be stopped and started again. */
  private static final class Node {
    final int id;
    final int port;
    final int controllerPort;
    /** The mutual-TLS listener's port of a secured node; 0 otherwise. */
    final int sslPort;
    final Path dir;
    KafkaRaftServer server;
    Process process;

    Node(int id, int port, int controllerPort, int sslPort, Path dir) {
      this.id = id;
      this.port = port;
      this.controllerPort = controllerPort;
      this.sslPort = sslPort;
      this.dir = dir;
    }
  }

  private KafkaCluster(Path dir, int[] ports, int[] controllerPorts, boolean processes, Certificates certificates)
      throws IOException {
    this.processes = processes;
    this.certificates = certificates;
    StringJoiner servers = new StringJoiner(",");
    StringJoiner ssl = new StringJoiner(",");
    for (int i = 0; i < ports.length; i++) {
      int sslPort = certificates == null ? 0 : freePort();
      nodes.add(new Node(i + 1, ports[i], controllerPorts[i], sslPort, dir.resolve("node-" + (i + 1))));
      servers.add("127.0.0.1:" + ports[i]);
      ssl.add("127.0.0.1:" + sslPort);
    }
    this.bootstrap = servers.toString();
    this.sslBootstrap = certificates == null ? null : ssl.toString();
  }

  /**
   * A single secured broker on free ports: SASL_SSL with SCRAM-SHA-512 on {@link #bootstrapServers()}, TLS with a
   * client certificate required on {@link #sslBootstrapServers()} (the principal is the certificate's CN), both with
   * the certificates of {@code certificates} (the broker's is {@code CN=broker}). ACLs are enforced
   * (StandardAuthorizer) and nothing is allowed without one; {@link #ADMIN} (SCRAM) and {@code broker} (its
   * certificate, for the inter-broker listener) are super users, and so is the anonymous principal of the PLAINTEXT
   * controller listener on 127.0.0.1, which brokers use to reach the controller.
   */
  public static KafkaCluster startSecured(Path dir, Certificates certificates) throws Exception {
    certificates.keystore("broker");
    return start(dir, new int[] {freePort()}, new int[] {freePort()}, false, certificates);
  }

  /** A single broker on free ports. */
  public static KafkaCluster startSingle(Path dir) throws Exception {
    return start(dir, new int[] {freePort()}, new int[] {freePort()});
  }

  /** A cluster of as many nodes as ports; a node's data lives in {@code dir/node-N}. */
  public static KafkaCluster start(Path dir, int[] ports, int[] controllerPorts) throws Exception {
    return start(dir, ports, controllerPorts, false);
  }

  /**
   * The same with {@code processes}: every node in a child JVM ({@code kafka.Kafka} on this classpath, output in
   * {@code dir/node-N/server.log}), so {@link #killNode} can crash one as {@code kill -9} would.
   */
  public static KafkaCluster start(Path dir, int[] ports, int[] controllerPorts, boolean processes)
      throws Exception {
    return start(dir, ports, controllerPorts, processes, null);
  }

  private static KafkaCluster start(Path dir, int[] ports, int[] controllerPorts, boolean processes,
      Certificates certificates) throws Exception {
    KafkaCluster c = new KafkaCluster(dir, ports, controllerPorts, processes, certificates);
    if (processes) {
      // brokers must not outlive a test JVM that dies before close()
      Runtime.getRuntime().addShutdownHook(new Thread(() -> c.nodes.forEach(n -> {
        Process p = n.process;
        if (p != null) {
          p.destroyForcibly();
        }
      }), "kafka-children"));
    }
    for (int i = 0; i < c.nodes.size(); i++) {
      c.format(c.nodes.get(i));
    }
    // nodes wait for a quorum in startup(), so they start side by side
    List<Thread> starting = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < c.nodes.size(); i++) {
      int n = i + 1;
      Thread t = new Thread(() -> {
        try {
          c.startNode(n);
        } catch (Throwable e) {
          failures.add(e);
        }
      }, "kafka-start-" + n);
      t.start();
      starting.add(t);
    }
    for (Thread t : starting) {
      t.join();
    }
    if (!failures.isEmpty()) {
      c.close();
      throw new IOException("Kafka did not start: " + failures.get(0), failures.get(0));
    }
    if (processes) {
      c.awaitBrokers(Duration.ofMinutes(1));
    }
    return c;
  }

  /** Until every node is a registered broker: a child's listener opens before the controller has unfenced it. */
  private void awaitBrokers(Duration timeout) throws Exception {
    try (Admin admin = Admin.create(adminConfig())) {
      long deadline = System.nanoTime() + timeout.toNanos();
      int seen = 0;
      while (System.nanoTime() < deadline) {
        seen = admin.describeCluster().nodes().get().size();
        if (seen == nodes.size()) {
          return;
        }
        Thread.sleep(200);
      }
      close();
      throw new IOException(seen + " of " + nodes.size() + " Kafka nodes registered within " + timeout.toSeconds()
          + " s");
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** PLAINTEXT, or SASL_SSL on a secured cluster. */
  public String bootstrapServers() {
    return bootstrap;
  }

  /** A secured cluster's mutual-TLS listeners. */
  public String sslBootstrapServers() {
    if (sslBootstrap == null) {
      throw new IllegalStateException("not a secured cluster");
    }
    return sslBootstrap;
  }

  /** The certificates a secured cluster trusts; null on a plain one. */
  public Certificates certificates() {
    return certificates;
  }

  /** Client properties of a SCRAM user on {@link #bootstrapServers()} of a secured cluster (bootstrap aside). */
  public Map<String, String> saslClient(String user, String password) {
    Map<String, String> p = new java.util.TreeMap<>(trust());
    p.put("security.protocol", "SASL_SSL");
    p.put("sasl.mechanism", SCRAM);
    p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + user + "\" password=\"" + password + "\";");
    return p;
  }

  /** Client properties of certificate {@code CN=name} on {@link #sslBootstrapServers()} (bootstrap aside). */
  public Map<String, String> tlsClient(String name) throws IOException, InterruptedException {
    Map<String, String> p = new java.util.TreeMap<>(trust());
    p.put("security.protocol", "SSL");
    p.put("ssl.keystore.location", certificates.keystore(name).toString());
    p.put("ssl.keystore.password", certificates.password());
    p.put("ssl.keystore.type", "PKCS12");
    return p;
  }

  /** The super user's client properties, bootstrap included: plain on a plain cluster. */
  public Map<String, Object> adminConfig() {
    Map<String, Object> p = new java.util.HashMap<>();
    if (certificates != null) {
      p.putAll(saslClient(ADMIN, adminPassword));
    }
    p.put("bootstrap.servers", bootstrap);
    return p;
  }

  /** Creates (or changes the password of) SCRAM user {@code user}, as the super user, and waits until it exists. */
  public void addScramUser(String user, String password) throws Exception {
    try (Admin admin = Admin.create(adminConfig())) {
      admin.alterUserScramCredentials(List.of(new org.apache.kafka.clients.admin.UserScramCredentialUpsertion(user,
          new org.apache.kafka.clients.admin.ScramCredentialInfo(org.apache.kafka.clients.admin.ScramMechanism
              .SCRAM_SHA_512, 4096), password))).all().get();
      // the broker authenticates from its copy of the metadata, which the controller's record reaches a moment later
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!admin.describeUserScramCredentials(List.of(user)).all().get().containsKey(user)
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
    }
  }

  private Map<String, String> trust() {
    if (certificates == null) {
      throw new IllegalStateException("not a secured cluster");
    }
    return Map.of("ssl.truststore.location", certificates.truststore().toString(), "ssl.truststore.password",
        certificates.password(), "ssl.truststore.type", "PKCS12");
  }

  public int size() {
    return nodes.size();
  }

  private Properties config(Node n) {
    int rf = Math.min(3, nodes.size());
    StringJoiner voters = new StringJoiner(",");
    for (Node v : nodes) {
      voters.add(v.id + "@127.0.0.1:" + v.controllerPort);
    }
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(n.id));
    p.put("controller.quorum.voters", voters.toString());
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + n.port + ",CONTROLLER://127.0.0.1:" + n.controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + n.port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    if (certificates != null) {
      secure(p, n);
    }
    p.put("log.dirs", n.dir.resolve("data").toString());
    p.put("metadata.log.dir", n.dir.resolve("metadata").toString());
    p.put("offsets.topic.replication.factor", Integer.toString(rf));
    p.put("offsets.topic.num.partitions", "5");
    p.put("transaction.state.log.replication.factor", Integer.toString(rf));
    p.put("transaction.state.log.min.isr", Integer.toString(Math.min(2, rf)));
    p.put("transaction.state.log.num.partitions", "5");
    p.put("default.replication.factor", Integer.toString(rf));
    p.put("min.insync.replicas", Integer.toString(Math.min(2, rf)));
    p.put("num.partitions", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    p.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "4");
    p.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
    return p;
  }

  /** The listeners and settings of a secured node (see {@link #startSecured}). */
  private void secure(Properties p, Node n) {
    p.put("listeners", "SASL_SSL://127.0.0.1:" + n.port + ",SSL://127.0.0.1:" + n.sslPort + ",CONTROLLER://127.0.0.1:"
        + n.controllerPort);
    p.put("advertised.listeners", "SASL_SSL://127.0.0.1:" + n.port + ",SSL://127.0.0.1:" + n.sslPort);
    p.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,SSL:SSL,CONTROLLER:PLAINTEXT");
    p.put("inter.broker.listener.name", "SSL");
    p.put("sasl.enabled.mechanisms", SCRAM);
    p.put("listener.name.sasl_ssl." + SCRAM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    p.put("listener.name.ssl.ssl.client.auth", "required");
    // CN=ksiem-ingest,... is User:ksiem-ingest, as Strimzi names TLS users
    p.put("ssl.principal.mapping.rules", "RULE:^CN=([^,]+).*$/$1/,DEFAULT");
    try {
      p.put("ssl.keystore.location", certificates.keystore("broker").toString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("the broker's certificate: " + e, e);
    }
    p.put("ssl.keystore.password", certificates.password());
    p.put("ssl.key.password", certificates.password());
    p.put("ssl.keystore.type", "PKCS12");
    p.putAll(trust());
    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    p.put("allow.everyone.if.no.acl.found", "false");
    p.put("super.users", "User:" + ADMIN + ";User:broker;User:ANONYMOUS");
  }

  private void format(Node n) throws Exception {
    if (Files.exists(n.dir.resolve("metadata").resolve("meta.properties"))) {
      return;
    }
    Files.createDirectories(n.dir);
    Path clusterIdFile = n.dir.getParent().resolve("cluster.id");
    String clusterId;
    synchronized (KafkaCluster.class) {
      if (Files.exists(clusterIdFile)) {
        clusterId = Files.readString(clusterIdFile).trim();
      } else {
        clusterId = Uuid.randomUuid().toString();
        Files.writeString(clusterIdFile, clusterId);
      }
    }
    KafkaConfig config = new KafkaConfig(config(n), false);
    Formatter f = new Formatter()
        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
        .setNodeId(n.id)
        .setClusterId(clusterId)
        .setControllerListenerName("CONTROLLER")
        .setMetadataLogDirectory(config.metadataLogDir())
        .setReleaseVersion(MetadataVersion.latestProduction())
        .setIgnoreFormatted(true);
    if (certificates != null) {
      f.setScramArguments(List.of(SCRAM + "=[name=" + ADMIN + ",password=" + adminPassword + "]"));
    }
    f.addDirectory(n.dir.resolve("data").toString());
    f.addDirectory(n.dir.resolve("metadata").toString());
    f.run();
  }

  /** Starts node {@code id} (1-based) again after {@link #stopNode} or {@link #killNode}. */
  public void startNode(int id) throws Exception {
    Node n = nodes.get(id - 1);
    synchronized (n) {
      if (n.server != null || n.process != null) {
        return;
      }
      if (processes) {
        Path props = n.dir.resolve("server.properties");
        try (var out = Files.newOutputStream(props)) {
          config(n).store(out, null);
        }
        n.process = new ProcessBuilder(Processes.java(), "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-cp",
            System.getProperty("java.class.path"), "kafka.Kafka", props.toString()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(n.dir.resolve("server.log").toFile())).start();
        awaitPort(n, Duration.ofMinutes(2));
        return;
      }
      KafkaRaftServer s = new KafkaRaftServer(new KafkaConfig(config(n), false), Time.SYSTEM);
      s.startup();
      n.server = s;
    }
  }

  /** A node in a child JVM takes requests once its broker listener accepts connections. */
  private static void awaitPort(Node n, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!n.process.isAlive()) {
        throw new IOException("Kafka node " + n.id + " exited with " + n.process.exitValue() + "; see "
            + n.dir.resolve("server.log"));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), n.port), 1000);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new IOException("Kafka node " + n.id + " not listening within " + timeout.toSeconds() + " s; see "
        + n.dir.resolve("server.log"));
  }

  /** Kills node {@code id}'s JVM at once (SIGKILL): no controlled shutdown, no flush. Processes only. */
  public void killNode(int id) throws InterruptedException {
    if (!processes) {
      throw new IllegalStateException("node " + id + " does not run in a process of its own");
    }
    Node n = nodes.get(id - 1);
    synchronized (n) {
      if (n.process == null) {
        return;
      }
      n.process.destroyForcibly();
      n.process.waitFor();
      n.process = null;
    }
  }

  /** Stops node {@code id} (1-based) in an orderly way. */
  public void stopNode(int id) {
    Node n = nodes.get(id - 1);
    synchronized (n) {
      if (n.process != null) {
        // SIGTERM: the broker's own shutdown hook runs a controlled shutdown
        n.process.destroy();
        try {
          if (!n.process.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)) {
            n.process.destroyForcibly();
          }
        } catch (InterruptedException e) {
          n.process.destroyForcibly();
          Thread.currentThread().interrupt();
        }
        n.process = null;
      }
      if (n.server != null) {
        n.server.shutdown();
        n.server.awaitShutdown();
        n.server = null;
      }
    }
  }

  /**
   * All nodes side by side: one after another, the last node waits five minutes for a controlled shutdown that no
   * quorum is left to approve.
   */
  @Override
  public void close() {
    if (processes) {
      // a controlled shutdown of every node at once waits for a quorum that is leaving too
      for (int i = 1; i <= nodes.size(); i++) {
        try {
          killNode(i);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      return;
    }
    List<Thread> stopping = new ArrayList<>();
    for (int i = 1; i <= nodes.size(); i++) {
      int n = i;
      Thread t = new Thread(() -> {
        try {
          stopNode(n);
        } catch (RuntimeException ignored) {
          // already down
        }
      }, "kafka-stop-" + n);
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
