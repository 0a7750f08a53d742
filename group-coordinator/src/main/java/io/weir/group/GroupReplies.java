package io.weir.group;

import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;

/**
 * The answers a {@link Group} has decided and its caller has not taken yet, in the order they
 * were decided, and the error answers of JoinGroup and SyncGroup. Pure, not thread-safe.
 */
final class GroupReplies {
    private final List<GroupReply> replies = new ArrayList<>();

    void join(long requestId, JoinGroupResponseData response) {
        replies.add(new GroupReply.Join(requestId, response));
    }

    void sync(long requestId, SyncGroupResponseData response) {
        replies.add(new GroupReply.Sync(requestId, response));
    }

    /** Answers the member's waiting SyncGroup, which then waits no more. */
    void sync(GroupMember member, SyncGroupResponseData response) {
        sync(member.pendingSync, response);
        member.pendingSync = GroupMember.NO_REQUEST;
    }

    /** The answers decided since the last call. */
    List<GroupReply> take() {
        List<GroupReply> out = List.copyOf(replies);
        replies.clear();
        return out;
    }

    static JoinGroupResponseData joinError(Errors error, String memberId) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setGenerationId(-1).setMemberId(memberId)
                .setLeader("").setProtocolName(null);
    }

    static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
    }
}
