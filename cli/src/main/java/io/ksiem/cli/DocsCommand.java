package io.ksiem.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ksiem docs topology}: writes the generated topology docs. */
@Command(name = "docs", description = "Generated documentation.", subcommands = DocsCommand.Topology.class)
public final class DocsCommand {

  @Command(name = "topology", mixinStandardHelpOptions = true,
      description = "Writes each app's topology (from Topology.describe()) and the topics table.")
  static final class Topology implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "topology-docs", description = "directory (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
      Files.createDirectories(out);
      for (Map.Entry<String, String> e : TopologyDocs.render().entrySet()) {
        Files.writeString(out.resolve(e.getKey()), e.getValue());
        System.out.println("wrote " + out.resolve(e.getKey()));
      }
      return 0;
    }
  }
}
