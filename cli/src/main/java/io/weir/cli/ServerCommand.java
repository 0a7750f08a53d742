package io.weir.cli;

import io.weir.broker.node.WeirNodeMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code weir server --config FILE}: one node in the foreground until SIGTERM/SIGINT. */
@Command(mixinStandardHelpOptions = true, name = "server", description = "Run one node in the foreground (stops cleanly on SIGTERM).")
final class ServerCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "the node's YAML config file")
    Path config;

    @Override
    public Integer call() throws Exception {
        WeirNodeMain.run(config);
        return 0;
    }
}
