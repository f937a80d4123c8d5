package io.ksiem.cli;

import io.ksiem.scenario.Scenario;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


/** {@code ksiem replay} on every acceptance scenario, and its exit statuses. */
class ReplayCommandTest {
  @TempDir
  Path dir;

  private final StringWriter err = new StringWriter();

  private int run(List<String> args) {
    CommandLine cl = Ksiem.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    return cl.execute(args.toArray(new String[0]));
  }

  static Stream<String> scenarios() {
    return Scenario.names().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void reproducesEveryScenario(String name) throws IOException {
    Scenario s = Scenario.load(name);
    s.writeInputs(dir);
    assertEquals(0, run(ReplayRunner.args(s, dir)), err.toString());
    List<String> diff = ReplayRunner.compare(s, dir, err.toString());
    assertTrue(diff.isEmpty(), name + ":\n" + String.join("\n", diff) + "\nstderr:\n" + err);
  }

  private List<String> args(String directives, String... more) throws IOException {
    Path d = dir.resolve("directives.json");
    Files.writeString(d, directives);
    Files.writeString(dir.resolve("assets.json"), "{\"assets\":[{\"name\":\"n\",\"cidr\":\"10.0.0.0/8\",\"value\":2}]}");
    Files.writeString(dir.resolve("events.jsonl"), "");
    List<String> a = new ArrayList<>(List.of("replay", "--directives", d.toString(), "--assets",
        dir.resolve("assets.json").toString(), "--events", dir.resolve("events.jsonl").toString(), "--alarms",
        dir.resolve("a.jsonl").toString(), "--alarm-events", dir.resolve("ae.jsonl").toString()));
    a.addAll(List.of(more));
    return a;
  }

  @Test
  void exitsOneWhenNoDirectiveIsUsable() throws IOException {
    String broken = "{\"directives\":[{\"id\":1,\"name\":\"x\",\"kingdom\":\"k\",\"category\":\"c\",\"rules\":[]}]}";
    assertEquals(1, run(args(broken)));
    assertTrue(err.toString().contains("fewer than 2 rules"), err.toString());
    assertTrue(err.toString().contains("no valid directive"), err.toString());
  }

  @Test
  void exitsOneWhenAFileCannotBeRead() throws IOException {
    List<String> a = args("{\"directives\":[]}");
    a.set(a.indexOf("--events") + 1, dir.resolve("missing.jsonl").toString());
    a.set(a.indexOf("--directives") + 1, dir.resolve("nope").toString());
    assertEquals(1, run(a));
    assertTrue(err.toString().contains("nope"), err.toString());
  }

  @Test
  void exitsTwoOnUsageErrors() throws IOException {
    String ok = "{\"directives\":[]}";
    assertEquals(2, run(args(ok, "--until", "yesterday")));
    assertEquals(2, run(args(ok, "--med-risk-min", "5", "--med-risk-max", "5")));
    assertEquals(2, run(List.of("replay", "--events", "x")));
  }

  @Test
  void aLineWithInvalidUtf8IsRejectedAloneAndTheRunGoesOn() throws IOException {
    String d = "{\"directives\":[{\"id\":1,\"name\":\"d\",\"kingdom\":\"k\",\"category\":\"c\",\"priority\":5,"
        + "\"rules\":[" + rule(1) + "," + rule(2) + "]}]}";
    List<String> a = args(d, "--rejects", dir.resolve("r.jsonl").toString());
    String ok = "{\"event_id\":\"e%d\",\"timestamp\":\"2026-01-05T10:00:0%dZ\",\"sensor\":\"s\","
        + "\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"10.0.0.2\",\"plugin_id\":7,\"plugin_sid\":1}\n";
    java.io.ByteArrayOutputStream events = new java.io.ByteArrayOutputStream();
    events.writeBytes(String.format(ok, 1, 1).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    events.writeBytes(new byte[] {'{', (byte) 0xff, (byte) 0xfe, '\n'});
    events.writeBytes(String.format(ok, 2, 2).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Files.write(dir.resolve("events.jsonl"), events.toByteArray());
    assertEquals(0, run(a), err.toString());
    List<String> rejects = Files.readAllLines(dir.resolve("r.jsonl"));
    assertEquals(1, rejects.size());
    assertTrue(rejects.get(0).startsWith("{\"line\":2,"), rejects.get(0));
    assertEquals(2, Files.readAllLines(dir.resolve("ae.jsonl")).size(), "e1 starts a backlog, e2 completes it");
  }

  private static String rule(int stage) {
    return "{\"name\":\"s\",\"stage\":" + stage + ",\"type\":\"PluginRule\",\"plugin_id\":7,\"plugin_sid\":[1],"
        + "\"occurrence\":1,\"from\":\"" + (stage == 1 ? "ANY" : ":1") + "\",\"to\":\"ANY\",\"port_from\":\"ANY\","
        + "\"port_to\":\"ANY\",\"reliability\":5,\"timeout\":60}";
  }
}
