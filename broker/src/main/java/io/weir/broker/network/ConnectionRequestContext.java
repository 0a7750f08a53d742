package io.weir.broker.network;

import java.net.InetAddress;
import java.util.Optional;
import org.apache.kafka.common.network.ClientInformation;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/** A request's context as a connection builds it: Kafka's, plus the memory its response owns. */
public final class ConnectionRequestContext extends RequestContext {
    private final ResponseMemory memory;

    public ConnectionRequestContext(RequestHeader header, String connectionId, InetAddress clientAddress, int clientPort,
                             KafkaPrincipal principal, ListenerName listenerName, SecurityProtocol protocol,
                             ResponseMemory memory) {
        super(header, connectionId, clientAddress, Optional.of(clientPort), principal, listenerName, protocol,
                ClientInformation.EMPTY, false);
        this.memory = memory;
    }

    public ResponseMemory memory() {
        return memory;
    }
}
