package io.weir.zk;

import io.weir.controller.coordination.ControllerLocation;
import io.weir.controller.coordination.CoordinationListener;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The epoch this node leads (if any) and where it believes the active controller is, with the
 * listener events that report each change. One lock covers both and the posting of the events,
 * so a listener sees gained/lost/changed in the order they happened, and a resignation from
 * the connection thread cannot interleave with a win on the worker. No ZooKeeper here: the
 * worker decides, this records and reports.
 */
final class Leadership {
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    private final int nodeId;
    private final CoordinationListener events;
    private long epoch = -1;
    private Optional<ControllerLocation> controller = Optional.empty();

    /** {@code events} must not block (an {@link OrderedCallbacks} only queues). */
    Leadership(int nodeId, CoordinationListener events) {
        this.nodeId = nodeId;
        this.events = Objects.requireNonNull(events);
    }

    /** The epoch this node leads, or -1. */
    synchronized long epoch() {
        return epoch;
    }

    synchronized Optional<ControllerLocation> controller() {
        return controller;
    }

    /**
     * Takes up the epoch of {@code won} (this node's location), unless {@code eligible} says the
     * node may no longer lead (checked under the lock, so a resignation racing this is seen).
     *
     * @param offset the last metadata offset delivered, for the log line
     * @return whether this node now leads
     */
    synchronized boolean gain(ControllerLocation won, BooleanSupplier eligible, long offset) {
        if (!eligible.getAsBoolean()) {
            return false;
        }
        if (won.nodeId() != nodeId || won.controllerEpoch() <= epoch) {
            throw new IllegalStateException("node " + nodeId + " leading epoch " + epoch + " cannot gain " + won);
        }
        long gained = won.controllerEpoch();
        epoch = gained;
        LOG.info("node {} is the active controller at epoch {} (metadata offset {})", nodeId, gained, offset);
        setController(Optional.of(won));
        events.onLeadershipGained(gained);
        return true;
    }

    /** Gives up whatever epoch this node leads. */
    synchronized void resign(String why) {
        resign(epoch, why);
    }

    /** Gives up {@code resigned} if it is the epoch this node leads; otherwise nothing happens. */
    synchronized void resign(long resigned, String why) {
        if (resigned < 0 || epoch != resigned) {
            return;
        }
        epoch = -1;
        LOG.info("node {} stops being the active controller of epoch {}: {}", nodeId, resigned, why);
        events.onLeadershipLost(resigned);
    }

    /** Records where the active controller is; the listener hears of it only when it changed. */
    synchronized void setController(Optional<ControllerLocation> location) {
        if (!controller.equals(location)) {
            controller = location;
            events.onControllerChanged(location);
        }
    }
}
