package io.ksiem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * JSON lines from the shipped jar: shading merges Log4j's plugin caches, and a jar that lost the JSON template
 * layout's would log nothing in that format (Log4j says so once, on stderr, and falls back).
 */
class LogJarIT {
  @Test
  void theShippedJarWritesEcsJsonLines() throws Exception {
    LogSettingsTest.Run r = LogSettingsTest.run(System.getProperty("ksiem.jar") + File.pathSeparator
        + new File("target/test-classes").getAbsolutePath(), LogLines.class.getName(),
        Map.of("KSIEM_LOG_FORMAT", "json"));
    assertEquals(0, r.exit(), r.toString());
    var first = new ObjectMapper().readTree(r.lines().get(0));
    assertEquals("an event arrived late", first.path("message").asText(), r.toString());
    assertEquals("1_2", first.path("ksiem.task").asText());
    assertEquals("ksiem-correlate", first.path("service.name").asText());
  }
}
