package io.ksiem.dev;

import picocli.CommandLine.Command;

/** {@code ksiem bench}: benchmarks. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks on the shared workload.",
    subcommands = {EngineBench.class, PipelineBench.class})
public final class BenchCommand {
}
