package io.weir.broker.node;

import io.weir.controller.QuorumController;
import io.weir.controller.partition.ElectionType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Kafka's auto leader rebalance: while this node is the active controller, it periodically
 * moves leadership back to each partition's preferred replica where that replica is live and
 * in the ISR (after a broker came back, for instance).
 */
final class PreferredLeaderElection {
    private static final Logger log = LoggerFactory.getLogger(PreferredLeaderElection.class);

    private PreferredLeaderElection() {
    }

    /** Starts the timer; closing the result stops it. */
    static AutoCloseable start(QuorumController controller, int nodeId, long intervalMs) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weir-preferred-leader-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            if (controller.isActive()) {
                controller.electLeaders(ElectionType.PREFERRED, null).exceptionally(e -> {
                    log.debug("Preferred leader election did not run: {}", e.toString());
                    return null;
                });
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        return timer::shutdownNow;
    }
}
