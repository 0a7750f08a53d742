package io.weir.broker.cli;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code weir server --config FILE}: one node in the foreground until SIGTERM/SIGINT. */
@Command(mixinStandardHelpOptions = true, name = "server", description = "Run one node in the foreground (stops cleanly on SIGTERM).")
final class ServerCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServerCommand.class);

    @Option(names = "--config", required = true, description = "the node's YAML config file")
    Path config;

    @Override
    public Integer call() throws Exception {
        WeirNode node = WeirNode.start(NodeConfig.load(config));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Node {} shutting down", node.nodeId());
            node.close();
            stopped.countDown();
        }, "weir-shutdown"));
        try {
            node.awaitReady(Duration.ofMinutes(5));
            log.info("Node {} serves clients at {}", node.nodeId(), node.bootstrapServers());
        } catch (java.util.concurrent.TimeoutException e) {
            log.warn("Node {} is not unfenced yet; it keeps trying to join the cluster", node.nodeId());
        }
        stopped.await();
        return 0;
    }
}
