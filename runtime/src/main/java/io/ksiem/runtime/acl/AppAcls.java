package io.ksiem.runtime.acl;

import io.ksiem.runtime.App;
import io.ksiem.schemas.topic.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The Kafka privileges each ksiem principal needs, declared once: {@code ksiem acls} prints and applies them, the
 * apps check them at start ({@link AccessCheck}), and the secured-broker tests run every app with exactly these.
 * Topic names come from {@link Topics}, ids from {@link App}. The set is the least the apps run with on a broker
 * with {@code allow.everyone.if.no.acl.found=false} (integration-tests' SecuredKafkaTest): the apps create none of
 * the pipeline's topics (the setup job does, as {@link Role#ADMIN}), only Kafka Streams' own internal topics.
 * Idempotent producers need no IDEMPOTENT_WRITE on the cluster: since Kafka 3.0 WRITE on a topic allows it.
 */
public final class AppAcls {
  private AppAcls() {
  }

  /** Who runs with these privileges: the three apps and the operator commands. */
  public enum Role {
    INGEST(App.INGEST),
    CORRELATE(App.CORRELATE),
    ALARMS(App.ALARMS),
    /** {@code ksiem topics create}, {@code ksiem directives push}, {@code ksiem status}: the setup job. */
    ADMIN(null);

    private final App app;

    Role(App app) {
      this.app = app;
    }

    /** {@code ingest}, {@code correlate}, {@code alarms} or {@code admin}. */
    public String shortName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Role of(App app) {
      return valueOf(app.name());
    }
  }

  /** Operations on one resource (a name, or every name with that prefix), and why the role needs them. */
  public record Grant(ResourceType type, String name, PatternType pattern, List<AclOperation> operations,
      String why) {
    public Grant {
      operations = List.copyOf(operations);
    }

    /** Whether this grant covers a resource of {@code type} called {@code resource}. */
    public boolean covers(ResourceType type, String resource) {
      return this.type == type && (pattern == PatternType.LITERAL ? name.equals(resource)
          : resource.startsWith(name));
    }
  }

  private static final List<AclOperation> READ = List.of(AclOperation.READ, AclOperation.DESCRIBE_CONFIGS);
  private static final List<AclOperation> WRITE = List.of(AclOperation.WRITE, AclOperation.DESCRIBE_CONFIGS);

  /** What {@code role} needs under {@code topicPrefix} (the apps' ids derive from it too). */
  public static List<Grant> grants(Role role, String topicPrefix) {
    Topics t = new Topics(topicPrefix, null);
    List<Grant> g = new ArrayList<>();
    switch (role) {
      case INGEST -> {
        String id = App.INGEST.id(topicPrefix);
        // every source's raw topic, present and future: a new mapping needs no new ACL
        g.add(topic(t.rawPrefix(), PatternType.PREFIXED, READ, "raw topics: read, and their ends watched"));
        g.add(topic(t.raw("dsiem").name(), PatternType.LITERAL, List.of(AclOperation.WRITE),
            "POST /events writes accepted bodies here"));
        g.add(topic(t.events.name(), PatternType.LITERAL, WRITE, "normalized events and idleness declarations"));
        g.add(topic(t.deadLetter.name(), PatternType.LITERAL, WRITE, "records that cannot be normalized"));
        g.addAll(streams(id));
      }
      case CORRELATE -> {
        String id = App.CORRELATE.id(topicPrefix);
        g.add(topic(t.events.name(), PatternType.LITERAL, READ, "reads the normalized events"));
        g.add(topic(t.directives.name(), PatternType.LITERAL, READ, "reads the directive set (a global store)"));
        g.add(topic(t.assets.name(), PatternType.LITERAL, READ, "reads the asset set (a global store)"));
        g.add(topic(t.alarms.name(), PatternType.LITERAL, WRITE, "writes alarm snapshots"));
        g.add(topic(t.alarmEvents.name(), PatternType.LITERAL, WRITE, "writes alarm-event links"));
        g.add(topic(t.lateEvents.name(), PatternType.LITERAL, WRITE, "writes the events that came late"));
        g.add(topic(t.deadLetter.name(), PatternType.LITERAL, WRITE, "writes records it cannot read or process"));
        g.add(topic(t.status.name(), PatternType.LITERAL, WRITE, "writes each instance's tasks, for ksiem status"));
        // DELETE: Streams deletes the repartition topic's records once they are processed (DeleteRecords). No
        // DESCRIBE_CONFIGS: SecuredKafkaTest runs correlate without it on its internal topics
        g.add(new Grant(ResourceType.TOPIC, id + "-", PatternType.PREFIXED, List.of(AclOperation.CREATE,
            AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE),
            "Kafka Streams' repartition and changelog topics, which it creates and purges"));
        g.addAll(streams(id));
      }
      case ALARMS -> {
        String id = App.ALARMS.id(topicPrefix);
        for (var in : List.of(t.alarms, t.alarmEvents, t.events)) {
          g.add(topic(in.name(), PatternType.LITERAL, READ, in == t.events ? "reads the events (with write.events)"
              : in == t.alarms ? "reads alarm snapshots" : "reads alarm-event links"));
        }
        g.add(topic(t.deadLetter.name(), PatternType.LITERAL, WRITE, "records Elasticsearch refuses for good"));
        g.add(new Grant(ResourceType.GROUP, id, PatternType.LITERAL, List.of(AclOperation.READ),
            "the sink's consumer group"));
      }
      case ADMIN -> {
        g.add(topic(topicPrefix, PatternType.PREFIXED, List.of(AclOperation.CREATE, AclOperation.DESCRIBE,
            AclOperation.DESCRIBE_CONFIGS), "topics create: every topic of the pipeline; status: their ends"));
        for (var c : List.of(t.directives, t.assets)) {
          g.add(topic(c.name(), PatternType.LITERAL, List.of(AclOperation.READ, AclOperation.WRITE),
              "directives push: reads the current set, writes the changes"));
        }
        g.add(topic(t.status.name(), PatternType.LITERAL, List.of(AclOperation.READ), "status: the instances"));
        g.add(new Grant(ResourceType.GROUP, topicPrefix.replace('.', '-'), PatternType.PREFIXED,
            List.of(AclOperation.DESCRIBE), "status: the apps' groups, members and lag"));
      }
      default -> throw new IllegalArgumentException(role.toString());
    }
    return List.copyOf(g);
  }

  /** Group and transactional ids of a Streams app with exactly-once v2. */
  private static List<Grant> streams(String id) {
    return List.of(
        new Grant(ResourceType.GROUP, id, PatternType.LITERAL, List.of(AclOperation.READ),
            "the app's consumer group (application.id)"),
        // exactly-once v2: one transactional id per stream thread, <application.id>-<process id>-<thread>
        new Grant(ResourceType.TRANSACTIONAL_ID, id + "-", PatternType.PREFIXED, List.of(AclOperation.WRITE),
            "exactly-once transactions"));
  }

  private static Grant topic(String name, PatternType pattern, List<AclOperation> ops, String why) {
    return new Grant(ResourceType.TOPIC, name, pattern, ops, why);
  }

  /**
   * Creates {@code role}'s ACLs for {@code principal} (one that exists already stays as it is), as a principal
   * allowed to ALTER the cluster, and returns them.
   */
  public static List<AclBinding> apply(org.apache.kafka.clients.admin.Admin admin, Role role, String principal,
      String topicPrefix) throws Exception {
    List<AclBinding> b = bindings(role, principal, topicPrefix);
    admin.createAcls(b).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
    return b;
  }

  /** The grants as ALLOW bindings for {@code principal} ({@code User:name}) from any host. */
  public static List<AclBinding> bindings(Role role, String principal, String topicPrefix) {
    // a certificate's DN may hold spaces, commas and =; a quote, backslash or line break could break out of the
    // single-quoted arguments of the printed script, and no principal needs one
    if (!principal.matches("[A-Za-z]+:[^'\"\\\\`$\\r\\n]+")) {
      throw new IllegalArgumentException("a principal is Type:name without quotes, backslashes, $ or line breaks, "
          + "such as User:ksiem-ingest");
    }
    if (!topicPrefix.matches("[A-Za-z0-9._-]*")) {
      // Kafka's topic characters; anything else could not name a topic, and would reach the printed script
      throw new IllegalArgumentException("a topic prefix has only letters, digits, '.', '_' and '-'");
    }
    List<AclBinding> out = new ArrayList<>();
    for (Grant g : grants(role, topicPrefix)) {
      for (AclOperation op : g.operations()) {
        out.add(new AclBinding(new ResourcePattern(g.type(), g.name(), g.pattern()),
            new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
      }
    }
    return out;
  }
}
