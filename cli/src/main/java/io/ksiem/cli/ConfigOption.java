package io.ksiem.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config FILE}, for every command that reads the apps' settings (a picocli mixin). */
final class ConfigOption {
  @Option(names = "--config", paramLabel = "FILE",
      description = "properties file; every key can also be set as KSIEM_<KEY> (docs/settings.md)")
  Path file;

  /** The defaults, then the file, then the KSIEM_* variables. */
  AppConfig load() throws IOException {
    return new AppConfig(file, System.getenv());
  }
}
