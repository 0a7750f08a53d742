package io.weir.broker.lifecycle;

import io.weir.controller.broker.BrokerHeartbeatReply;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationReply;
import io.weir.controller.broker.BrokerRegistrationRequest;

/**
 * How a broker reaches the active controller. Calls block the lifecycle thread for at most
 * their timeout; failures are thrown and the caller retries on its next tick.
 */
public interface ControllerChannel extends AutoCloseable {
    BrokerRegistrationReply register(BrokerRegistrationRequest request) throws Exception;

    BrokerHeartbeatReply heartbeat(BrokerHeartbeatRequest request) throws Exception;

    @Override
    default void close() {
    }
}
