package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/** The order of a follower's fetch: in-sync partitions before moving ones, least recently served first. */
class FetchOrderTest {
    private static ReplicaFetcher.Assignment assignment(int partition, boolean moving) {
        return new ReplicaFetcher.Assignment(new TopicPartition("t", partition), Uuid.ONE_UUID, 1, null, moving);
    }

    private static Map<TopicPartition, ReplicaFetcher.Assignment> fetchable(ReplicaFetcher.Assignment... all) {
        Map<TopicPartition, ReplicaFetcher.Assignment> out = new LinkedHashMap<>();
        for (ReplicaFetcher.Assignment a : all) out.put(a.topicPartition(), a);
        return out;
    }

    private static List<Integer> partitions(List<ReplicaFetcher.Assignment> order) {
        return order.stream().map(a -> a.topicPartition().partition()).toList();
    }

    @Test
    void movingPartitionsNeverComeBeforeInSyncOnes() {
        FetchOrder order = new FetchOrder();
        var all = fetchable(assignment(0, true), assignment(1, false), assignment(2, true), assignment(3, false));
        assertThat(partitions(order.arrange(all))).containsExactly(1, 3, 0, 2);
        order.served(new TopicPartition("t", 1));
        order.served(new TopicPartition("t", 0));
        assertThat(partitions(order.arrange(all))).containsExactly(3, 1, 2, 0);
    }

    @Test
    void aPartitionServedGoesLastSoEveryPartitionIsFirstInTurn() {
        FetchOrder order = new FetchOrder();
        var all = fetchable(assignment(0, false), assignment(1, false), assignment(2, false));
        for (int round = 0; round < 3; round++) {
            List<ReplicaFetcher.Assignment> arranged = order.arrange(all);
            assertThat(arranged.get(0).topicPartition().partition()).isEqualTo(round);
            order.served(arranged.get(0).topicPartition());
        }
    }

    @Test
    void partitionsNotFetchableNowAreLeftOutAndRejoinAtTheEnd() {
        FetchOrder order = new FetchOrder();
        order.arrange(fetchable(assignment(0, false), assignment(1, false), assignment(2, false)));
        assertThat(partitions(order.arrange(fetchable(assignment(1, false), assignment(2, false))))).containsExactly(1, 2);
        assertThat(partitions(order.arrange(fetchable(assignment(0, false), assignment(1, false), assignment(2, false)))))
                .containsExactly(1, 2, 0);
    }
}
