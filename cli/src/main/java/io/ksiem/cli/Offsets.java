package io.ksiem.cli;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** Log end offsets of whole topics, for the live view and the bench. */
public final class Offsets {
  private Offsets() {
  }

  public static Map<TopicPartition, Long> end(Admin admin, Collection<String> topics) throws Exception {
    Map<TopicPartition, OffsetSpec> q = new HashMap<>();
    admin.describeTopics(topics).allTopicNames().get().forEach((n, d) -> d.partitions().forEach(p ->
        q.put(new TopicPartition(n, p.partition()), OffsetSpec.latest())));
    Map<TopicPartition, Long> out = new HashMap<>();
    admin.listOffsets(q).all().get().forEach((tp, i) -> out.put(tp, i.offset()));
    return out;
  }

  /** Records not yet committed by a consumer group, over the partitions it has committed. */
  public static long lag(Admin admin, String group) throws Exception {
    var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    if (committed.isEmpty()) {
      return 0;
    }
    Map<TopicPartition, Long> end = end(admin, committed.keySet().stream().map(TopicPartition::topic).distinct()
        .toList());
    long lag = 0;
    for (var e : committed.entrySet()) {
      if (e.getValue() != null && end.containsKey(e.getKey())) {
        lag += Math.max(0, end.get(e.getKey()) - e.getValue().offset());
      }
    }
    return lag;
  }
}
