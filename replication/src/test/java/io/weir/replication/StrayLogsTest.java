package io.weir.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.PartitionChangeRecord;
import io.weir.controller.record.PartitionRecord;
import io.weir.controller.record.RegisterBrokerRecord;
import io.weir.controller.record.TopicRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Which local logs node 1 deletes after a restart, decided from the image and the recorded topic ids alone. */
class StrayLogsTest {
    private static final int NODE = 1;
    private static final long EPOCH = 40;
    private static final UUID KEPT = new UUID(0, 1);
    private static final UUID MOVED = new UUID(0, 2);
    private static final UUID DELETED = new UUID(0, 3);
    private static final UUID RECREATED = new UUID(0, 4);
    private static final UUID MOVING = new UUID(0, 5);

    private static TopicPartition tp(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }

    private static RegisterBrokerRecord register(int id, long epoch) {
        return new RegisterBrokerRecord(id, epoch, new UUID(1, id),
                List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9092 + id, "PLAINTEXT")), null, false);
    }

    /** After node 1 was down: "deleted" is gone, "moved" went to [2, 3], "reborn" was recreated on [2, 3]. */
    private static List<MetadataRecord> afterTheOutage() {
        List<MetadataRecord> records = new ArrayList<>();
        records.add(register(2, 30));
        records.add(register(3, 31));
        records.add(new TopicRecord("kept", KEPT));
        records.add(new PartitionRecord(KEPT, 0, List.of(1, 2), List.of(1, 2), 2, 1, 1));
        records.add(new PartitionRecord(KEPT, 1, List.of(3, 1), List.of(3), 3, 1, 1)); // out of the ISR: still ours
        records.add(new TopicRecord("moved", MOVED));
        records.add(new PartitionRecord(MOVED, 0, List.of(2, 3), List.of(2, 3), 2, 2, 2));
        records.add(new PartitionRecord(MOVED, 1, List.of(1, 3), List.of(1, 3), 1, 0, 0));
        records.add(new TopicRecord("reborn", RECREATED));
        records.add(new PartitionRecord(RECREATED, 0, List.of(2, 3), List.of(2, 3), 2, 0, 0));
        records.add(new TopicRecord("moving", MOVING));
        records.add(new PartitionRecord(MOVING, 0, List.of(2, 3), List.of(2, 3), 2, 0, 0));
        records.add(new PartitionRecord(MOVING, 1, List.of(1, 2), List.of(1, 2), 1, 0, 0));
        // An ongoing reassignment adds node 1 to moving-0 and takes it out of moving-1.
        records.add(new PartitionChangeRecord(PartitionChangeRecord.CURRENT_VERSION, MOVING, 0, 2, List.of(2, 3),
                List.of(2, 3, 1), List.of(1), List.of(3), 1, 1));
        records.add(new PartitionChangeRecord(PartitionChangeRecord.CURRENT_VERSION, MOVING, 1, 1, List.of(1, 2),
                List.of(1, 2, 3), List.of(3), List.of(1), 1, 1));
        return records;
    }

    private static MetadataImage image(List<MetadataRecord> records, MetadataRecord... more) {
        List<MetadataRecord> all = new ArrayList<>(records);
        all.addAll(List.of(more));
        return MetadataImage.fromRecords(100, all);
    }

    private static final List<TopicPartition> LOCAL = List.of(tp("kept", 0), tp("kept", 1), tp("moved", 0),
            tp("moved", 1), tp("deleted", 0), tp("reborn", 0), tp("moving", 0), tp("moving", 1));

    private static final Map<TopicPartition, UUID> OWNERS = Map.of(tp("kept", 0), KEPT, tp("kept", 1), KEPT,
            tp("moved", 0), MOVED, tp("moved", 1), MOVED, tp("deleted", 0), DELETED, tp("reborn", 0), new UUID(0, 99),
            tp("moving", 0), MOVING, tp("moving", 1), MOVING);

    @Test
    void logsOfDeletedTopicsReassignedReplicasAndRecreatedNamesAreStray() {
        MetadataImage current = image(afterTheOutage(), register(NODE, EPOCH));
        assertThat(StrayLogs.find(current, NODE, EPOCH, LOCAL, OWNERS)).containsExactlyInAnyOrder(
                new StrayLogs.Stray(tp("moved", 0), MOVED, StrayLogs.Reason.NOT_A_REPLICA),
                new StrayLogs.Stray(tp("deleted", 0), DELETED, StrayLogs.Reason.NOT_IN_IMAGE),
                new StrayLogs.Stray(tp("reborn", 0), new UUID(0, 99), StrayLogs.Reason.NOT_IN_IMAGE));
    }

    @Test
    void anImageWithoutThisIncarnationsRegistrationDecidesNothing() {
        assertThat(StrayLogs.find(MetadataImage.EMPTY, NODE, EPOCH, LOCAL, OWNERS)).as("empty image").isEmpty();
        assertThat(StrayLogs.find(image(afterTheOutage()), NODE, EPOCH, LOCAL, OWNERS))
                .as("this node not registered in it").isEmpty();
        assertThat(StrayLogs.find(image(afterTheOutage(), register(NODE, EPOCH - 5)), NODE, EPOCH, LOCAL, OWNERS))
                .as("only the previous incarnation's registration (an old snapshot)").isEmpty();
        assertThat(StrayLogs.find(image(afterTheOutage(), register(NODE, EPOCH)), NODE, -1, LOCAL, OWNERS))
                .as("this process has not registered yet").isEmpty();
        assertThat(StrayLogs.find(image(List.of(), register(NODE, EPOCH)), NODE, EPOCH, LOCAL, OWNERS))
                .as("a current image with no topics: every log goes, as in Kafka").hasSize(LOCAL.size());
    }

    @Test
    void aLogWithNoRecordedTopicIdIsAdoptedByTheTopicOfItsName() {
        MetadataImage current = image(afterTheOutage(), register(NODE, EPOCH));
        Map<TopicPartition, UUID> none = Map.of();
        assertThat(StrayLogs.find(current, NODE, EPOCH, LOCAL, none)).extracting(StrayLogs.Stray::partition)
                .containsExactlyInAnyOrder(tp("moved", 0), tp("deleted", 0), tp("reborn", 0));
        assertThat(StrayLogs.find(current, NODE, EPOCH, List.of(tp("kept", 7)), none))
                .as("a partition the topic does not have").extracting(StrayLogs.Stray::reason)
                .containsExactly(StrayLogs.Reason.NOT_IN_IMAGE);
    }

    /**
     * Random images and local logs. Safety: a log of a partition this node is a replica of (the
     * reconciliation hosts it), under the topic id it was created for, is never stray. Liveness:
     * a log whose topic id left the image, or whose partition no longer lists this node, is.
     */
    @Property(tries = 300)
    void strayIsExactlyWhatTheImageNoLongerGivesThisNode(@ForAll long seed, @ForAll @IntRange(min = 0, max = 6) int topics,
                                                        @ForAll boolean current) {
        Random random = new Random(seed);
        List<MetadataRecord> records = new ArrayList<>();
        for (int b = 1; b <= 4; b++) {
            records.add(register(b, b == NODE ? (current ? EPOCH : EPOCH - 1) : 10 + b));
        }
        Set<TopicPartition> local = new LinkedHashSet<>();
        Map<TopicPartition, UUID> owners = new HashMap<>();
        for (int t = 0; t < topics; t++) {
            UUID id = new UUID(7, t);
            String name = "t" + t;
            records.add(new TopicRecord(name, id));
            int partitions = 1 + random.nextInt(4);
            for (int p = 0; p < partitions; p++) {
                List<Integer> replicas = new ArrayList<>(List.of(1, 2, 3, 4));
                java.util.Collections.shuffle(replicas, random);
                replicas = replicas.subList(0, 1 + random.nextInt(3));
                records.add(new PartitionRecord(id, p, replicas, replicas, replicas.get(0), 0, 0));
                if (random.nextBoolean()) local.add(tp(name, p));
            }
        }
        for (int extra = random.nextInt(4); extra > 0; extra--) {
            local.add(tp("t" + random.nextInt(8), random.nextInt(6))); // deleted topics, missing partitions
        }
        for (TopicPartition tp : local) {
            int kind = random.nextInt(3);
            if (kind == 0) owners.put(tp, new UUID(7, Integer.parseInt(tp.topic().substring(1)))); // its topic's id
            if (kind == 1) owners.put(tp, new UUID(9, random.nextInt(3))); // an older topic of the name
        }
        MetadataImage image = MetadataImage.fromRecords(1 + random.nextInt(1000), records);

        List<StrayLogs.Stray> strays = StrayLogs.find(image, NODE, EPOCH, List.copyOf(local), owners);

        if (!current) {
            assertThat(strays).as("an image older than this registration decides nothing").isEmpty();
            return;
        }
        Set<TopicPartition> stray = new LinkedHashSet<>();
        strays.forEach(s -> stray.add(s.partition()));
        assertThat(stray).as("no log twice, only local logs").hasSize(strays.size()).isSubsetOf(local);
        Set<TopicPartition> hosted = ReplicaRoles.of(NODE, image).roles().keySet();
        for (TopicPartition tp : local) {
            UUID owner = owners.get(tp);
            TopicImage topic = owner != null ? image.topic(owner).orElse(null) : image.topic(tp.topic()).orElse(null);
            PartitionRegistration partition = topic == null ? null : topic.partition(tp.partition());
            boolean ours = partition != null && partition.replicas().contains(NODE);
            if (ours) {
                assertThat(hosted).as("the reconciliation hosts %s", tp).contains(tp);
                assertThat(stray).as("%s is this node's replica of topic %s", tp, topic.id()).doesNotContain(tp);
            } else {
                assertThat(stray).as("%s (topic id %s) is no longer this node's", tp, owner).contains(tp);
            }
        }
    }
}
