package io.weir.group;

import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/**
 * An answer {@link Group} decided for a JoinGroup or SyncGroup request, addressed by the id the
 * caller gave the request. Every request id gets exactly one.
 */
sealed interface GroupReply {
    long requestId();

    record Join(long requestId, JoinGroupResponseData response) implements GroupReply {
    }

    record Sync(long requestId, SyncGroupResponseData response) implements GroupReply {
    }
}
