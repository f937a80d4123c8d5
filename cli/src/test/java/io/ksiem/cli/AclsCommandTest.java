package io.ksiem.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** The shipped ACL script and KafkaUsers stay what `ksiem acls` generates from the code. */
class AclsCommandTest {
  @Test
  void shippedFilesAreCurrent() throws Exception {
    for (Map.Entry<String, String> e : AclsCommand.shipped().entrySet()) {
      Path committed = Path.of("..", e.getKey());
      assertEquals(e.getValue(), Files.exists(committed) ? Files.readString(committed) : "<missing>",
          committed + " is stale: run ./ksiem acls --write-shipped .");
    }
  }

  @Test
  void printsWhatTheCommandLineAsksFor() {
    StringWriter out = new StringWriter();
    CommandLine cl = Ksiem.commandLine();
    cl.setOut(new PrintWriter(out));
    assertEquals(0, cl.execute("acls", "--app", "alarms", "--principal", "User:a", "--prefix", "p.", "--format",
        "strimzi"));
    assertEquals(AclsCommand.strimzi(io.ksiem.runtime.acl.AppAcls.Role.ALARMS, "User:a", "p.", "my-cluster",
        "scram-sha-512"), out.toString());
    assertTrue(out.toString().contains("name: \"p-alarms\""), out.toString());
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    assertEquals(2, cl.execute("acls", "--app", "nosuch", "--principal", "User:a"));
    assertEquals(2, cl.execute("acls", "--app", "ingest", "--principal", "nocolon"));
    // a DN is a principal; a quote would break out of the printed script's quoting, and is refused
    assertEquals(0, cl.execute("acls", "--app", "ingest", "--principal", "User:CN=ingest, OU=siem"));
    assertEquals(2, cl.execute("acls", "--app", "ingest", "--principal", "User:x'; rm -rf / #"));
    assertEquals(2, cl.execute("acls", "--app", "ingest", "--principal", "User:a", "--prefix", "p';id;'"));
  }
}
