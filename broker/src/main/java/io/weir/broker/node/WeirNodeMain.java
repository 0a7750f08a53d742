package io.weir.broker.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;

/**
 * One node in the foreground until SIGTERM/SIGINT:
 * {@code java <weir-jvm-flags> -cp ... io.weir.broker.node.WeirNodeMain node.yaml}.
 *
 * <p>The plain entry point of the broker module, so that whatever launches node JVMs (the CLI's
 * {@code weir server}, tests that kill -9 nodes) needs nothing above the broker on its classpath.
 */
public final class WeirNodeMain {
    private static final Logger log = LoggerFactory.getLogger(WeirNodeMain.class);
    /** How long to wait for this node to be unfenced before saying so in the log; it keeps trying after. */
    private static final Duration READY_LOG_AFTER = Duration.ofMinutes(5);

    private WeirNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: " + WeirNodeMain.class.getName() + " <node.yaml>");
            System.exit(2);
        }
        run(Path.of(args[0]));
    }

    /** Starts the node that {@code config} describes and returns once the JVM shuts it down. */
    public static void run(Path config) throws Exception {
        WeirNode node = WeirNode.start(NodeConfig.load(config));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Node {} shutting down", node.nodeId());
            node.close();
            stopped.countDown();
        }, "weir-shutdown"));
        try {
            node.awaitReady(READY_LOG_AFTER);
            log.info("Node {} serves clients at {}", node.nodeId(), node.bootstrapServers());
        } catch (TimeoutException e) {
            log.warn("Node {} is not unfenced yet; it keeps trying to join the cluster", node.nodeId());
        }
        stopped.await();
    }
}
