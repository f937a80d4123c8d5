package io.ksiem.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ksiem} command as the images ship it: the apps and the commands that operate a cluster. The dev
 * module's {@code KsiemDev} adds {@code up} and {@code bench} to the same command line.
 */
@Command(name = "ksiem", mixinStandardHelpOptions = true, version = "ksiem 0.1.0",
    description = "Security event correlation on Apache Kafka, with dsiem directives.",
    subcommands = {AppCommands.Ingest.class, AppCommands.Correlate.class, AppCommands.Alarms.class,
        StatusCommand.class, TopicsCommand.class, ReplayCommand.class, DirectivesCommand.class, KibanaCommand.class,
        DocsCommand.class, AclsCommand.class, CommandLine.HelpCommand.class})
public final class Ksiem {
  public static void main(String[] args) {
    LogSettings.prepare(args);
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    return new CommandLine(new Ksiem());
  }
}
