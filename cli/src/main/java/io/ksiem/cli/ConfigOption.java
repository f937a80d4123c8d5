package io.ksiem.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --config FILE}, for every command that reads the apps' settings (a picocli mixin). */
final class ConfigOption {
  @Option(names = "--config", paramLabel = "FILE",
      description = "properties file; every key can also be set as KSIEM_<KEY> (docs/settings.md)")
  Path file;

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /** The defaults, then the file, then the KSIEM_* variables. */
  AppConfig load() throws IOException {
    return new AppConfig(file, System.getenv());
  }

  /** The same, or null once the command's error stream says why the settings cannot be read (exit code 2). */
  AppConfig loadOrReport() {
    try {
      return load();
    } catch (IllegalArgumentException | IOException e) {
      command.commandLine().getErr().println(command.qualifiedName() + ": " + e.getMessage());
      return null;
    }
  }
}
