package io.weir.zk;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.controller.coordination.ControllerLocation;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The data of the ephemeral {@code /weir/controller} znode: the active controller and its
 * epoch, in JSON like Kafka's {@code /controller} ({@code version}, {@code brokerid}) plus the
 * epoch and the controller listener's address.
 */
record ControllerZnode(@JsonProperty("version") int version, @JsonProperty("brokerid") int brokerId,
                       @JsonProperty("epoch") long epoch, @JsonProperty("host") String host,
                       @JsonProperty("port") int port) {
    private static final ObjectMapper JSON = new ObjectMapper()
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    static ControllerZnode of(ControllerLocation location) {
        return new ControllerZnode(1, location.nodeId(), location.controllerEpoch(), location.host(),
            location.port());
    }

    ControllerLocation location() {
        return new ControllerLocation(brokerId, epoch, host, port);
    }

    byte[] toBytes() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws IllegalArgumentException when {@code data} is not this JSON */
    static ControllerZnode parse(byte[] data) {
        try {
            return JSON.readValue(data, ControllerZnode.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable " + Znodes.CONTROLLER + " znode", e);
        }
    }
}
