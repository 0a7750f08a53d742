package io.weir.cli;

import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where client commands connect: {@code --bootstrap-server}, else {@code ./weir-data/bootstrap}. */
final class ClientOptions {
    @Option(names = {"--bootstrap-server", "-b"}, description = "host:port[,host:port...] (default: contents of ./weir-data/bootstrap)")
    String bootstrap;

    String bootstrap() throws java.io.IOException {
        if (bootstrap != null) return bootstrap;
        Path file = Path.of("weir-data", "bootstrap");
        if (Files.exists(file)) return Files.readString(file).trim();
        throw new IllegalArgumentException("no --bootstrap-server given and no weir-data/bootstrap file");
    }
}
