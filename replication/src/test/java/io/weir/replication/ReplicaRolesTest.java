package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.PartitionRecord;
import io.weir.controller.record.TopicRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Node 1's part in each partition of an image, decided without logs, fetchers or threads. */
class ReplicaRolesTest {
    private static final UUID T = new UUID(0, 1);
    private static final UUID GONE = new UUID(0, 2);

    private static MetadataImage image(long offset, boolean withGone) {
        List<MetadataRecord> records = new ArrayList<>();
        records.add(new TopicRecord("t", T));
        records.add(new PartitionRecord(T, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0));   // led here
        records.add(new PartitionRecord(T, 1, List.of(2, 1), List.of(2, 1), 2, 3, 0));   // follows 2
        records.add(new PartitionRecord(T, 2, List.of(3, 1), List.of(3, 1), -1, 4, 0));  // no leader now
        records.add(new PartitionRecord(T, 3, List.of(2, 3), List.of(2, 3), 2, 0, 0));   // not a replica
        if (withGone) {
            records.add(new TopicRecord("gone", GONE));
            records.add(new PartitionRecord(GONE, 0, List.of(1), List.of(1), 1, 0, 0));
        }
        return MetadataImage.fromRecords(offset, records);
    }

    @Test
    void leadsFollowsOrHostsEachPartitionItIsAReplicaOf() {
        Map<TopicPartition, ReplicaRoles.Role> roles = ReplicaRoles.of(1, image(1, false)).roles();
        assertThat(roles).containsOnlyKeys(new TopicPartition("t", 0), new TopicPartition("t", 1),
                new TopicPartition("t", 2));
        assertThat(roles.get(new TopicPartition("t", 0)).kind()).isEqualTo(ReplicaRoles.Kind.LEAD);
        ReplicaRoles.Role follow = roles.get(new TopicPartition("t", 1));
        assertThat(follow.kind()).isEqualTo(ReplicaRoles.Kind.FOLLOW);
        assertThat(follow.registration().leader()).isEqualTo(2);
        assertThat(follow.registration().leaderEpoch()).isEqualTo(3);
        assertThat(roles.get(new TopicPartition("t", 2)).kind()).as("a replica keeps its log while leaderless")
                .isEqualTo(ReplicaRoles.Kind.HOST);
    }

    @Test
    void aDeletedTopicsPartitionsAreRemovedWithTheirTopicId() {
        assertThat(ReplicaRoles.removedByDeletion(image(1, true), image(2, false)))
                .containsExactly(new ReplicaRoles.Removed(new TopicPartition("gone", 0), GONE));
        assertThat(ReplicaRoles.removedByDeletion(image(1, false), image(2, true))).isEmpty();
    }
}
