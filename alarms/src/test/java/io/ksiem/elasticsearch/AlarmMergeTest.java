package io.ksiem.elasticsearch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;


/** The merge of dsiem's shipped Logstash pipeline (docs/dsiem-reference.md §7.6). */
class AlarmMergeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode alarm(int risk, long update, String status, String tag) {
    return JSON.createObjectNode().put("alarm_id", "a").put("risk", risk).put("update_time", update)
        .put("status", status).put("tag", tag);
  }

  @Test
  void aFirstSnapshotIsWrittenAsItIs() {
    ObjectNode s = alarm(2, 10, "Open", "Identified Threat");
    assertSame(s, AlarmMerge.merge(s, null));
  }

  @Test
  void aLowerRiskNeverReplacesAHigherOne() {
    assertNull(AlarmMerge.merge(alarm(2, 20, "Open", "x"), alarm(5, 10, "Open", "x")));
  }

  @Test
  void theSameRiskWithAnOlderUpdateIsIgnoredAndANewerOneWritten() {
    assertNull(AlarmMerge.merge(alarm(3, 9, "Open", "x"), alarm(3, 10, "Open", "x")));
    assertEquals(11, AlarmMerge.merge(alarm(3, 11, "Open", "x"), alarm(3, 10, "Open", "x"))
        .get("update_time").asLong());
  }

  @Test
  void statusAndTagBelongToTheAnalysts() {
    ObjectNode out = AlarmMerge.merge(alarm(7, 30, "Open", "Identified Threat"),
        alarm(5, 20, "Closed", "False Positive"));
    assertEquals(7, out.get("risk").asInt());
    assertEquals("Closed", out.get("status").asText());
    assertEquals("False Positive", out.get("tag").asText());
  }
}
