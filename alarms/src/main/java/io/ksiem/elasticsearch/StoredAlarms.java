package io.ksiem.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Meets a batch's alarm snapshots with the documents {@code siem_alarms} holds ({@link AlarmMerge}): it reads them
 * in one multi-get and gives the write for each alarm whose snapshot wins, conditional on the version it read
 * (so a concurrent writer's change is not lost, but conflicts and is merged again) or a create when there is none.
 */
final class StoredAlarms {
  private final ElasticsearchClient es;

  StoredAlarms(ElasticsearchClient es) {
    this.es = es;
  }

  /** The writes for {@code snapshots} (by alarm id) against what is stored; none for an alarm whose stored one stays. */
  Map<String, BulkOperation> writes(Map<String, ObjectNode> snapshots) throws IOException {
    Map<String, BulkOperation> ops = new java.util.LinkedHashMap<>();
    if (snapshots.isEmpty()) {
      return ops;
    }
    List<String> ids = new ArrayList<>(snapshots.keySet());
    MgetResponse<ObjectNode> stored = es.mget(m -> m.index(Documents.ALARMS_INDEX).ids(ids), ObjectNode.class);
    for (MultiGetResponseItem<ObjectNode> item : stored.docs()) {
      boolean noIndex = item.isFailure() && "index_not_found_exception".equals(item.failure().error().type());
      if (item.isFailure() && !noIndex) {
        throw new IOException("reading " + Documents.ALARMS_INDEX + " failed: " + item.failure().error().reason());
      }
      if (noIndex) {
        String id = item.failure().id();
        ObjectNode doc = snapshots.get(id);
        ops.put(id, BulkOperation.of(b -> b.create(i -> i.index(Documents.ALARMS_INDEX).id(id).document(doc))));
        continue;
      }
      var got = item.result();
      ObjectNode doc = AlarmMerge.merge(snapshots.get(got.id()), got.found() ? got.source() : null);
      if (doc == null) {
        continue;
      }
      if (got.found()) {
        long seq = got.seqNo();
        long term = got.primaryTerm();
        ops.put(got.id(), BulkOperation.of(b -> b.index(i -> i.index(Documents.ALARMS_INDEX).id(got.id())
            .document(doc).ifSeqNo(seq).ifPrimaryTerm(term))));
      } else {
        ops.put(got.id(), BulkOperation.of(b -> b.create(i -> i.index(Documents.ALARMS_INDEX).id(got.id())
            .document(doc))));
      }
    }
    return ops;
  }
}
