package io.weir.controller.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.PartitionChangeRecord;
import io.weir.controller.record.PartitionRecord;
import io.weir.controller.record.RemoveTopicRecord;
import io.weir.controller.record.TopicRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * A delta changes a topic's partitions in place after copying them once, so a batch of n
 * partition records is O(n). Replaying a history in batches of any size must give the image
 * that replaying it record by record gives, and must never change an image already built.
 */
class MetadataDeltaPropertyTest {

    @Property(tries = 200)
    void batchesOfAnySizeReplayAsRecordByRecord(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int maxBatch) {
        List<MetadataRecord> history = history(new Random(seed), 120);
        MetadataImage oneByOne = MetadataImage.EMPTY;
        for (MetadataRecord r : history) {
            oneByOne = oneByOne.apply(oneByOne.offset() + 1, List.of(r));
        }
        Random cuts = new Random(seed ^ 0x5DEECE66DL);
        MetadataImage batched = MetadataImage.EMPTY;
        List<MetadataImage> built = new ArrayList<>();
        List<MetadataImage> rebuilt = new ArrayList<>();
        for (int i = 0; i < history.size(); ) {
            int n = Math.min(history.size() - i, 1 + cuts.nextInt(maxBatch));
            batched = batched.apply(batched.offset() + 1, history.subList(i, i + n));
            built.add(batched);
            rebuilt.add(MetadataImage.fromRecords(batched.offset(), batched.toRecords()));
            i += n;
        }
        assertThat(batched.withOffset(oneByOne.offset())).isEqualTo(oneByOne);
        // Later batches changed nothing in the images built before them.
        assertThat(built).isEqualTo(rebuilt);
    }

    @Test
    void aTopicOfManyPartitionsIsOneBatch() {
        UUID id = UUID.randomUUID();
        List<MetadataRecord> records = new ArrayList<>();
        records.add(new TopicRecord("big", id));
        for (int p = 0; p < 20_000; p++) {
            records.add(new PartitionRecord(id, p, List.of(1, 2, 3), List.of(1, 2, 3), 1, 0, 0));
        }
        records.add(new PartitionChangeRecord(id, 7, 2, List.of(2, 3), 1, 1));
        MetadataImage image = MetadataImage.EMPTY.apply(0, records);
        TopicImage big = image.topic("big").orElseThrow();
        assertThat(big.partitionCount()).isEqualTo(20_000);
        assertThat(big.partition(7).leader()).isEqualTo(2);
        assertThat(big.partition(8).leader()).isEqualTo(1);
    }

    /** Topics created, grown, changed, removed and recreated under the same name, in a valid order. */
    private static List<MetadataRecord> history(Random random, int length) {
        List<MetadataRecord> out = new ArrayList<>();
        Map<String, UUID> live = new HashMap<>();
        Map<UUID, Integer> partitions = new HashMap<>();
        Map<UUID, int[]> epochs = new HashMap<>(); // per partition index: leader epoch (partition epoch equal)
        while (out.size() < length) {
            int op = random.nextInt(10);
            String name = "t" + random.nextInt(4);
            UUID id = live.get(name);
            if (id == null) {
                id = new UUID(random.nextLong(), random.nextLong());
                live.put(name, id);
                partitions.put(id, 0);
                epochs.put(id, new int[64]);
                out.add(new TopicRecord(name, id));
            } else if (op < 5 && partitions.get(id) < 64) {
                int p = partitions.get(id);
                partitions.put(id, p + 1);
                out.add(new PartitionRecord(id, p, List.of(1, 2, 3), List.of(1, 2, 3), 1 + p % 3, 0, 0));
            } else if (op < 9 && partitions.get(id) > 0) {
                int p = random.nextInt(partitions.get(id));
                int epoch = ++epochs.get(id)[p];
                int leader = 1 + random.nextInt(3);
                out.add(new PartitionChangeRecord(id, p, leader, List.of(leader), epoch, epoch));
            } else if (op == 9) {
                live.remove(name);
                out.add(new RemoveTopicRecord(id));
            }
        }
        return out;
    }
}
