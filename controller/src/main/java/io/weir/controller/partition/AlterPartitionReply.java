package io.weir.controller.partition;

import io.weir.controller.ApiStatus;
import java.util.List;

/** The partition state after the request (the current state when it failed, if known). */
public record AlterPartitionReply(ApiStatus status, int leader, int leaderEpoch, List<Integer> isr,
                                  int partitionEpoch) {
    static AlterPartitionReply error(ApiStatus status) {
        return new AlterPartitionReply(status, -1, -1, List.of(), -1);
    }
}
