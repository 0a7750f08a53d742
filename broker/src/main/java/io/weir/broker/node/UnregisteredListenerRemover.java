package io.weir.broker.node;

import io.weir.controller.QuorumController;
import io.weir.controller.image.MetadataImage;
import io.weir.metadata.quorum.RatisCoordination;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the active controller's node: when a broker-only node is unregistered (UnregisterBroker,
 * after {@code weir cluster remove-node} drained and stopped it), takes it out of the Ratis
 * group's listeners too, so the leader stops replicating the metadata log to it. Only a
 * broker that was registered and then disappeared counts: a node joins the group as a listener
 * before it registers.
 */
final class UnregisteredListenerRemover implements Consumer<MetadataImage> {
    private static final Logger log = LoggerFactory.getLogger(UnregisteredListenerRemover.class);

    private final QuorumController controller;
    private final RatisCoordination ratis;
    private Set<Integer> registered = Set.of();

    UnregisteredListenerRemover(QuorumController controller, RatisCoordination ratis) {
        this.controller = controller;
        this.ratis = ratis;
    }

    @Override
    public void accept(MetadataImage image) {
        Set<Integer> now = new HashSet<>(image.brokers().keySet());
        Set<Integer> gone = new HashSet<>(registered);
        gone.removeAll(now);
        registered = now;
        if (gone.isEmpty() || !controller.isActive()) {
            return;
        }
        for (int id : ratis.listenerIds()) {
            if (gone.contains(id)) {
                ratis.removeListener(id).whenComplete((ok, e) -> {
                    if (e != null) {
                        log.warn("Could not remove unregistered broker {} from the metadata quorum's listeners: {}",
                                id, e.toString());
                    } else {
                        log.info("Removed unregistered broker {} from the metadata quorum's listeners", id);
                    }
                });
            }
        }
    }
}
