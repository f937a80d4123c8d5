package io.ksiem.cli;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** Log end offsets of whole topics, for the live view and the bench. */
final class Offsets {
  private Offsets() {
  }

  static Map<TopicPartition, Long> end(Admin admin, Collection<String> topics) throws Exception {
    Map<TopicPartition, OffsetSpec> q = new HashMap<>();
    admin.describeTopics(topics).allTopicNames().get().forEach((n, d) -> d.partitions().forEach(p ->
        q.put(new TopicPartition(n, p.partition()), OffsetSpec.latest())));
    Map<TopicPartition, Long> out = new HashMap<>();
    admin.listOffsets(q).all().get().forEach((tp, i) -> out.put(tp, i.offset()));
    return out;
  }
}
