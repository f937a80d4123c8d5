package io.ksiem.runtime.acl;

import io.ksiem.runtime.KafkaClients;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Before an app starts: does the broker accept its credentials, and allow it what {@link AppAcls} declares on the
 * topics and group it will use? A refused login or a missing ACL otherwise surfaces later, inside a client, as an
 * exception that names neither the operation nor the grant to add. The broker answers with the operations it
 * allows on each resource ({@code includeAuthorizedOperations}); a transactional id's WRITE cannot be asked for
 * that way, so only its DESCRIBE (implied by WRITE) is checked and Kafka Streams reports the rest.
 */
public final class AccessCheck {
  private static final Pattern JAAS_USER = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");

  private AccessCheck() {
  }

  /** What is missing, or the refused login: the message says which and how to grant it. */
  public static final class AccessDeniedException extends IllegalStateException {
    public AccessDeniedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Checks {@code role}'s privileges on {@code topics} and {@code groups}, and, for a Streams app, that it may
   * create its internal topics under {@code internalTopicPrefix} and use its transactional ids under
   * {@code transactionalIdPrefix} (either null when there are none); throws {@link AccessDeniedException}.
   */
  public static void verify(KafkaClients kafka, AppAcls.Role role, String topicPrefix, Collection<String> topics,
      Collection<String> groups, String internalTopicPrefix, String transactionalIdPrefix)
      throws InterruptedException {
    List<AppAcls.Grant> grants = AppAcls.grants(role, topicPrefix);
    List<String> missing = new ArrayList<>();
    try (Admin admin = Admin.create(kafka.config(Map.of(AdminClientConfig.CLIENT_ID_CONFIG,
        "ksiem-" + role.shortName() + "-access-check")))) {
      try {
        admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof AuthenticationException a) {
          throw new AccessDeniedException(role.shortName() + " cannot start: Kafka refused the login of "
              + identity(kafka) + ": " + a.getMessage(), a);
        }
        throw new IllegalStateException(role.shortName() + " cannot reach Kafka at " + kafka.bootstrapServers()
            + ": " + e.getCause(), e.getCause());
      } catch (java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException(role.shortName() + ": Kafka at " + kafka.bootstrapServers()
            + " did not answer within 30 s", e);
      }
      var described = admin.describeTopics(List.copyOf(new LinkedHashSet<>(topics)),
          new DescribeTopicsOptions().includeAuthorizedOperations(true)).topicNameValues();
      for (String t : new LinkedHashSet<>(topics)) {
        Set<AclOperation> need = needed(grants, ResourceType.TOPIC, t);
        try {
          Set<AclOperation> have = described.get(t).get(30, TimeUnit.SECONDS).authorizedOperations();
          missing.addAll(lacking(need, have, "topic " + t));
        } catch (ExecutionException e) {
          if (e.getCause() instanceof TopicAuthorizationException) {
            missing.add(ops(describing(need)) + " on topic " + t);
          } else if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
            throw new IllegalStateException(role.shortName() + ": cannot describe topic " + t + ": " + e.getCause(),
                e.getCause());
          }
          // a topic that does not exist yet: the app creates it, or says why it cannot
        } catch (java.util.concurrent.TimeoutException e) {
          throw new IllegalStateException(role.shortName() + ": Kafka did not describe topic " + t, e);
        }
      }
      if (!groups.isEmpty()) {
        var groupsDescribed = admin.describeConsumerGroups(List.copyOf(groups),
            new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true)).describedGroups();
        for (String g : groups) {
          Set<AclOperation> need = needed(grants, ResourceType.GROUP, g);
          try {
            Set<AclOperation> have = groupsDescribed.get(g).get(30, TimeUnit.SECONDS).authorizedOperations();
            missing.addAll(lacking(need, have, "group " + g));
          } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupAuthorizationException) {
              missing.add(ops(describing(need)) + " on group " + g);
            } else if (!(e.getCause() instanceof GroupIdNotFoundException)) {
              throw new IllegalStateException(role.shortName() + ": cannot describe group " + g + ": "
                  + e.getCause(), e.getCause());
            }
          } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(role.shortName() + ": Kafka did not describe group " + g, e);
          }
        }
      }
      if (internalTopicPrefix != null) {
        // asks the broker whether it would create one (validateOnly): authorization is checked, nothing is made
        String probe = internalTopicPrefix + "access-check";
        try {
          admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(probe, java.util.Optional.empty(),
              java.util.Optional.empty())), new org.apache.kafka.clients.admin.CreateTopicsOptions()
              .validateOnly(true)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof TopicAuthorizationException
              || e.getCause() instanceof org.apache.kafka.common.errors.ClusterAuthorizationException) {
            missing.add("CREATE on topics " + internalTopicPrefix + "* (Kafka Streams' internal topics)");
          }
          // anything else (a policy, the topic there already) is for Kafka Streams to meet, not a missing ACL
        } catch (java.util.concurrent.TimeoutException e) {
          throw new IllegalStateException(role.shortName() + ": Kafka did not answer a validate-only create", e);
        }
      }
      if (transactionalIdPrefix != null) {
        // no transaction has this id: the answer is "not found" when DESCRIBE is allowed on the prefix
        String probe = transactionalIdPrefix + "access-check";
        try {
          admin.describeTransactions(List.of(probe)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof TransactionalIdAuthorizationException) {
            missing.add("WRITE on transactional ids " + transactionalIdPrefix + "*");
          } else if (!(e.getCause() instanceof TransactionalIdNotFoundException)) {
            throw new IllegalStateException(role.shortName() + ": cannot describe transactional id " + probe + ": "
                + e.getCause(), e.getCause());
          }
        } catch (java.util.concurrent.TimeoutException e) {
          throw new IllegalStateException(role.shortName() + ": Kafka did not describe transactional id " + probe,
              e);
        }
      }
    }
    if (!missing.isEmpty()) {
      throw new AccessDeniedException(role.shortName() + " cannot start: " + identity(kafka)
          + " is not authorized for " + String.join("; ", missing) + ". Grant what `ksiem acls --app "
          + role.shortName() + " --principal <principal>` prints (docs/security.md)", null);
    }
  }

  /**
   * Of what is needed, what a refused DESCRIBE shows to be missing: the operations that imply DESCRIBE (Kafka's
   * READ, WRITE, DELETE, ALTER), or DESCRIBE itself when none of them is needed.
   */
  private static Set<AclOperation> describing(Set<AclOperation> need) {
    Set<AclOperation> out = new LinkedHashSet<>(need);
    out.retainAll(Set.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER,
        AclOperation.DESCRIBE));
    return out.isEmpty() ? Set.of(AclOperation.DESCRIBE) : out;
  }

  private static Set<AclOperation> needed(List<AppAcls.Grant> grants, ResourceType type, String name) {
    Set<AclOperation> need = new LinkedHashSet<>();
    grants.stream().filter(g -> g.covers(type, name)).forEach(g -> need.addAll(g.operations()));
    return need;
  }

  /** What {@code need} holds and {@code have} lacks; null {@code have}: a broker without an authorizer. */
  private static List<String> lacking(Set<AclOperation> need, Set<AclOperation> have, String what) {
    if (have == null) {
      return List.of();
    }
    Set<AclOperation> lack = new LinkedHashSet<>(need);
    lack.removeAll(have);
    return lack.isEmpty() ? List.of() : List.of(ops(lack) + " on " + what);
  }

  private static String ops(Set<AclOperation> ops) {
    return String.join(", ", ops.stream().map(o -> o.name().toUpperCase(Locale.ROOT)).toList());
  }

  /**
   * Who the client logs in as, for messages, with no secret: the SASL mechanism and the JAAS user name, or the TLS
   * keystore the certificate comes from.
   */
  static String identity(KafkaClients kafka) {
    Map<String, String> p = kafka.properties();
    String protocol = p.getOrDefault("security.protocol", "PLAINTEXT");
    if (protocol.startsWith("SASL")) {
      String jaas = p.getOrDefault("sasl.jaas.config", "");
      Matcher m = JAAS_USER.matcher(jaas);
      String user = m.find() ? "user " + m.group(1) : jaas.startsWith("${") ? "the user of " + jaas : "its user";
      return p.getOrDefault("sasl.mechanism", "GSSAPI") + " " + user + " (" + protocol + ")";
    }
    if (protocol.equals("SSL") && p.containsKey("ssl.keystore.location")) {
      return "the TLS certificate in " + p.get("ssl.keystore.location");
    }
    return protocol + " client";
  }
}
