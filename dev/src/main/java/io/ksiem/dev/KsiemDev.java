package io.ksiem.dev;

import io.ksiem.cli.Ksiem;
import picocli.CommandLine;

/**
 * The {@code ksiem} command of {@code ./ksiem}: the shipped command plus {@code up} (the whole pipeline on this
 * machine) and {@code bench}, which need the embedded servers that the shipped jar leaves out.
 */
public final class KsiemDev {
  private KsiemDev() {
  }

  public static void main(String[] args) {
    io.ksiem.cli.LogSettings.prepare(args);
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    return Ksiem.commandLine().addSubcommand(new UpCommand()).addSubcommand(new BenchCommand());
  }
}
