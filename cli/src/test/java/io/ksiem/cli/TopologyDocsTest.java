package io.ksiem.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;


/** topology-docs/ stays true to the code: the committed files equal what the code generates. */
class TopologyDocsTest {
  @Test
  void generatedDocsAreCurrent() throws Exception {
    for (Map.Entry<String, String> e : TopologyDocs.render().entrySet()) {
      Path committed = Path.of("..", "topology-docs", e.getKey());
      assertEquals(e.getValue(), Files.exists(committed) ? Files.readString(committed) : "<missing>",
          committed + " is stale: run ./ksiem docs topology");
    }
  }
}
