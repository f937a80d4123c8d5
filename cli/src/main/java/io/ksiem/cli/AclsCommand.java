package io.ksiem.cli;

import io.ksiem.runtime.acl.AppAcls;
import io.ksiem.schemas.topic.Topics;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ksiem acls}: one app's least Kafka privileges ({@link AppAcls}), printed or applied. */
@Command(name = "acls", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Prints the Kafka ACLs an app needs, and nothing more, as a kafka-acls.sh script or a Strimzi "
        + "KafkaUser, or applies them with the Admin client (--apply, as a principal allowed to ALTER the cluster). "
        + "admin is the setup job and operator commands: topics create, directives push, status.",
        "Exit codes: 0 done, 1 Kafka refused, 2 usage."})
final class AclsCommand implements Callable<Integer> {
  /** Output formats. */
  enum Format {
    KAFKA_ACLS, STRIMZI;

    static Format parse(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
  }

  @Spec
  CommandSpec spec;

  @Option(names = "--app", paramLabel = "APP",
      description = "ingest, correlate, alarms or admin")
  String app;

  @Option(names = "--principal", paramLabel = "TYPE:NAME",
      description = "who gets them, such as User:ksiem-ingest (a SCRAM user, or a certificate's mapped name)")
  String principal;

  @Option(names = "--prefix", defaultValue = Topics.DEFAULT_PREFIX,
      description = "topic prefix; the apps' ids derive from it (default: ${DEFAULT-VALUE})")
  String prefix;

  @Option(names = "--format", defaultValue = "kafka-acls",
      description = "kafka-acls (a script for kafka-acls.sh) or strimzi (a KafkaUser) (default: ${DEFAULT-VALUE})")
  String format;

  @Option(names = "--cluster", defaultValue = "my-cluster",
      description = "strimzi: the Kafka cluster's name, its strimzi.io/cluster label (default: ${DEFAULT-VALUE})")
  String cluster;

  @Option(names = "--authentication", defaultValue = "scram-sha-512",
      description = "strimzi: scram-sha-512 or tls (default: ${DEFAULT-VALUE})")
  String authentication;

  @Option(names = "--apply", description = "create the ACLs on the cluster of --config instead of printing them")
  boolean apply;

  @Option(names = "--write-shipped", paramLabel = "DIR",
      description = "write the files the repository ships (k8s/kafka-acls.sh, k8s/strimzi/kafka-users.yaml: every "
          + "app, principal User:ksiem-<app>, the default prefix) under DIR, the checkout's root")
  java.nio.file.Path shipped;

  @Mixin
  ConfigOption config;

  @Override
  public Integer call() throws java.io.IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (shipped != null) {
      for (var e : shipped().entrySet()) {
        java.nio.file.Path file = shipped.resolve(e.getKey());
        java.nio.file.Files.writeString(file, e.getValue());
        out.println("wrote " + file);
      }
      out.flush();
      return 0;
    }
    if (app == null || principal == null) {
      err.println("ksiem acls: --app and --principal are required");
      return 2;
    }
    AppAcls.Role role;
    Format f;
    try {
      role = AppAcls.Role.valueOf(app.toUpperCase(Locale.ROOT));
      f = Format.parse(format);
      AppAcls.bindings(role, principal, prefix);
    } catch (IllegalArgumentException e) {
      err.println("ksiem acls: " + (e.getMessage().startsWith("No enum") ? "unknown --app or --format" : e.getMessage()));
      return 2;
    }
    if (!apply) {
      out.print(f == Format.STRIMZI ? strimzi(role, principal, prefix, cluster, authentication)
          : kafkaAcls(role, principal, prefix));
      out.flush();
      return 0;
    }
    AppConfig c = config.loadOrReport();
    if (c == null) {
      return 2;
    }
    try (Admin admin = Admin.create(c.kafka().config())) {
      List<AclBinding> b = AppAcls.apply(admin, role, principal, prefix);
      out.println(b.size() + " ACLs for " + principal + " (" + role.shortName() + ", prefix " + prefix + ")");
      return 0;
    } catch (Exception e) {
      err.println("ksiem acls: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
      return 1;
    }
  }

  /**
   * The files the repository ships, by path from the checkout's root: every role's ACLs for principal
   * {@code User:ksiem-<role>} under the default prefix, as a script and as Strimzi KafkaUsers.
   */
  static java.util.Map<String, String> shipped() {
    StringBuilder script = new StringBuilder("#!/bin/sh\n# Generated by `ksiem acls --write-shipped .`; do not edit."
        + " The least ACLs of each ksiem app and of the\n# setup job (admin), for principals User:ksiem-<app> and the "
        + "default topic prefix (docs/security.md).\n# BOOTSTRAP: the brokers; COMMAND_CONFIG: client properties of a "
        + "principal allowed to alter ACLs.\nset -eu\n");
    StringBuilder users = new StringBuilder("# Generated by `ksiem acls --write-shipped .`; do not edit. One KafkaUser "
        + "per ksiem app and the setup job\n# (admin), SCRAM-SHA-512, with the least ACLs for the default topic prefix "
        + "(docs/security.md).\n");
    for (AppAcls.Role r : AppAcls.Role.values()) {
      String p = "User:ksiem-" + r.shortName();
      script.append('\n').append(kafkaAcls(r, p, Topics.DEFAULT_PREFIX));
      users.append("---\n").append(strimzi(r, p, Topics.DEFAULT_PREFIX, "my-cluster", "scram-sha-512"));
    }
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    out.put("k8s/kafka-acls.sh", script.toString());
    out.put("k8s/strimzi/kafka-users.yaml", users.toString());
    return out;
  }

  /** A block of kafka-acls.sh calls, one per resource; the broker and admin config come from the environment. */
  static String kafkaAcls(AppAcls.Role role, String principal, String prefix) {
    StringBuilder s = new StringBuilder();
    s.append("# ").append(role.shortName()).append(": ").append(principal).append(", topic prefix ").append(prefix)
        .append(" (ksiem acls --app ").append(role.shortName()).append(" --principal ").append(principal)
        .append(" --prefix ").append(prefix).append(")\n");
    for (AppAcls.Grant g : AppAcls.grants(role, prefix)) {
      s.append("# ").append(g.why()).append('\n');
      s.append("kafka-acls.sh --bootstrap-server \"$BOOTSTRAP\" --command-config \"$COMMAND_CONFIG\" --add")
          .append(" --allow-principal '").append(principal).append("' --allow-host '*'");
      for (AclOperation op : g.operations()) {
        s.append(" --operation ").append(camel(op.name()));
      }
      s.append(switch (g.type()) {
        case TOPIC -> " --topic '" + g.name() + "'";
        case GROUP -> " --group '" + g.name() + "'";
        case TRANSACTIONAL_ID -> " --transactional-id '" + g.name() + "'";
        case CLUSTER -> " --cluster";
        default -> throw new IllegalStateException(g.type().toString());
      });
      if (g.pattern() == PatternType.PREFIXED) {
        s.append(" --resource-pattern-type prefixed");
      }
      s.append('\n');
    }
    return s.toString();
  }

  /** A KafkaUser (kafka.strimzi.io/v1beta2) whose name is the principal's, with simple authorization. */
  static String strimzi(AppAcls.Role role, String principal, String prefix, String cluster, String authentication) {
    String name = principal.substring(principal.indexOf(':') + 1);
    StringBuilder s = new StringBuilder();
    s.append("# ksiem acls --app ").append(role.shortName()).append(" --principal ").append(principal)
        .append(" --prefix ").append(prefix).append(" --format strimzi\n");
    s.append("apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaUser\nmetadata:\n  name: ").append(name)
        .append("\n  labels:\n    strimzi.io/cluster: ").append(cluster).append("\n    app.kubernetes.io/part-of: ksiem")
        .append("\nspec:\n  authentication:\n    type: ").append(authentication)
        .append("\n  authorization:\n    type: simple\n    acls:\n");
    for (AppAcls.Grant g : AppAcls.grants(role, prefix)) {
      s.append("      # ").append(g.why()).append("\n      - resource:\n          type: ").append(switch (g.type()) {
        case TOPIC -> "topic";
        case GROUP -> "group";
        case TRANSACTIONAL_ID -> "transactionalId";
        case CLUSTER -> "cluster";
        default -> throw new IllegalStateException(g.type().toString());
      }).append('\n');
      if (g.type() != ResourceType.CLUSTER) {
        s.append("          name: \"").append(g.name()).append("\"\n          patternType: ")
            .append(g.pattern() == PatternType.PREFIXED ? "prefix" : "literal").append('\n');
      }
      s.append("        operations: [").append(String.join(", ", g.operations().stream()
          .map(o -> camel(o.name())).toList())).append("]\n        host: \"*\"\n");
    }
    return s.toString();
  }

  /** DESCRIBE_CONFIGS as kafka-acls.sh and Strimzi spell it: DescribeConfigs. */
  private static String camel(String op) {
    StringBuilder b = new StringBuilder();
    for (String part : op.split("_")) {
      b.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    }
    return b.toString();
  }
}
