package io.ksiem.cli;

import io.ksiem.correlate.InstanceStatus;
import io.ksiem.runtime.App;
import io.ksiem.runtime.StreamsApps;
import io.ksiem.schemas.topic.Topics;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ksiem status}: the cluster at a glance, a word per app, and where each correlation task runs. */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Shows each app's instances and a word for it: Replicated (a failure is covered: every "
        + "correlation task has a caught-up standby; two or more ingest or alarms instances), Available (running, "
        + "but some task has no standby, or one instance), Unavailable (some task runs nowhere, or no instance). "
        + "For each correlation task: its active instance, its standbys and their lag in changelog records.",
        "Exit codes: 0 every app available, 1 some app unavailable, 2 usage."})
final class StatusCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ConfigOption config;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    AppConfig c = config.loadOrReport();
    if (c == null) {
      return 2;
    }
    String prefix = c.get(AppConfig.Key.TOPIC_PREFIX);
    Topics topics = c.topics();
    boolean available = true;
    List<InstanceStatus.Instance> correlate = InstanceStatus.read(c.kafka(), topics)
        .getOrDefault(App.CORRELATE.shortName(), List.of());
    InstanceStatus.Health h = InstanceStatus.health(correlate);
    available &= h != InstanceStatus.Health.UNAVAILABLE;
    out.printf("correlate  %-11s %d instance%s%n", word(h), correlate.size(), correlate.size() == 1 ? "" : "s");
    for (InstanceStatus.Instance i : correlate) {
      out.printf("  %-28s %-12s active %s%n", i.id(), i.state(), String.join(" ", i.active()));
    }
    if (!correlate.isEmpty()) {
      // late events are correlated, and never silent (docs/time-model.md)
      long late = correlate.stream().mapToLong(InstanceStatus.Instance::late).sum();
      java.util.Map<String, Long> byGroup = new java.util.TreeMap<>();
      correlate.forEach(i -> i.lateByGroup().forEach((k, v) -> byGroup.merge(k, v, Long::sum)));
      out.printf("  late events since the instances started: %d%s; waiting for the clock: %d%n", late,
          byGroup.isEmpty() ? "" : " (task/group: " + byGroup.entrySet().stream()
              .map(e -> e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", ")) + ")",
          correlate.stream().mapToLong(InstanceStatus.Instance::waiting).sum());
      out.printf("  caps (docs/limits.md): %d events refused (backlogs per directive), %d addresses and %d custom "
          + "data left out; RocksDB memory %d MiB%n",
          correlate.stream().mapToLong(InstanceStatus.Instance::refusedBacklogs).sum(),
          correlate.stream().mapToLong(InstanceStatus.Instance::droppedAddresses).sum(),
          correlate.stream().mapToLong(InstanceStatus.Instance::droppedCustomData).sum(),
          correlate.stream().mapToLong(InstanceStatus.Instance::rocksDbBytes).sum() >> 20);
    }
    if (!correlate.isEmpty()) {
      out.printf("  %-6s %-28s %s%n", "task", "active", "standbys (changelog records behind)");
      for (InstanceStatus.Task t : InstanceStatus.tasks(correlate)) {
        StringBuilder sb = new StringBuilder();
        t.standbys().forEach((id, lag) -> sb.append(id).append(" (").append(lag < 0 ? "?" : lag).append(") "));
        out.printf("  %-6s %-28s %s%n", t.id(), t.active() == null ? "NONE" : t.active(),
            t.stateful() ? sb.toString().trim() : "(no state)");
      }
    }
    try (Admin admin = Admin.create(c.kafka().config())) {
      for (App a : List.of(App.INGEST, App.ALARMS)) {
        String app = a.shortName();
        String group = a.id(prefix);
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS)
            .get(group);
        int n = d.members().size();
        InstanceStatus.Health w = n == 0 ? InstanceStatus.Health.UNAVAILABLE
            : n == 1 ? InstanceStatus.Health.AVAILABLE : InstanceStatus.Health.REPLICATED;
        available &= w != InstanceStatus.Health.UNAVAILABLE;
        out.printf("%-10s %-11s %d instance%s, lag %d records%n", app, word(w), n, n == 1 ? "" : "s",
            Offsets.lag(admin, group));
        d.members().stream().map(m -> m.host()).distinct().sorted()
            .forEach(host -> out.printf("  %s%n", host.replaceFirst("^/", "")));
      }
    }
    out.flush();
    return available ? 0 : 1;
  }

  private static String word(InstanceStatus.Health h) {
    return h.name().charAt(0) + h.name().substring(1).toLowerCase(java.util.Locale.ROOT);
  }
}
