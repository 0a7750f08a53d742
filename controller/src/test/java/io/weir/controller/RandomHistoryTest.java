package io.weir.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.acl.AclBinding;
import io.weir.controller.acl.AclControlManager;
import io.weir.controller.acl.AclFilter;
import io.weir.controller.broker.BrokerHeartbeatRequest;
import io.weir.controller.broker.BrokerRegistrationRequest;
import io.weir.controller.config.AlterConfigOp;
import io.weir.controller.config.ConfigControlManager;
import io.weir.controller.config.TopicConfigs;
import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.partition.AlterPartitionRequest;
import io.weir.controller.partition.ElectionType;
import io.weir.controller.partition.PartitionControlManager;
import io.weir.controller.partition.TopicPartitionName;
import io.weir.controller.record.BrokerEndpoint;
import io.weir.controller.record.ConfigResource;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.MetadataRecordSerde;
import io.weir.controller.topic.CreatableTopic;
import io.weir.controller.topic.CreatePartitionsRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Drives the control managers through a random history (brokers registering, dying and coming
 * back, topics created and deleted, ISR changes, elections, ACLs created and deleted) and checks the metadata invariants
 * after every step. A failure prints the seed; rerun with it to reproduce the same history.
 */
class RandomHistoryTest {
    private static final int STEPS = 250;
    private static final int MAX_BROKERS = 6;
    private final MetadataRecordSerde serde = new MetadataRecordSerde();

    @Property(tries = 40)
    void invariantsHoldThroughARandomHistory(@ForAll long seed) {
        Random random = new Random(seed);
        Fixtures f = new Fixtures(seed);
        PartitionControlManager partitions = new PartitionControlManager();
        ConfigControlManager configs = new ConfigControlManager();
        AclControlManager acls = new AclControlManager(() -> new UUID(random.nextLong(), random.nextLong()));
        List<List<MetadataRecord>> log = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            MetadataImage before = f.image;
            ControllerResult<?> result = switch (random.nextInt(11)) {
                case 0 -> random.nextInt(8) == 0
                    ? f.brokers.unregister(f.image, 1 + random.nextInt(MAX_BROKERS))
                    : register(f, random);
                case 1, 2 -> heartbeat(f, random);
                case 3 -> {
                    f.nowMs += random.nextInt(1500);
                    yield f.brokers.fenceExpired(f.image, f.nowMs);
                }
                case 4 -> f.topics.createTopics(f.image, List.of(CreatableTopic.of(
                    "t" + random.nextInt(8), 1 + random.nextInt(4), 1 + random.nextInt(3))), false);
                case 5 -> f.topics.deleteTopics(f.image, List.of("t" + random.nextInt(8)));
                case 6 -> f.topics.createPartitions(f.image, List.of(new CreatePartitionsRequest(
                    "t" + random.nextInt(8), 1 + random.nextInt(6), null)), false);
                case 7 -> alterIsr(f, random, partitions);
                case 8 -> random.nextBoolean()
                    ? partitions.electLeaders(f.image,
                        random.nextBoolean() ? ElectionType.PREFERRED : ElectionType.UNCLEAN, null)
                    : reassign(f, random, partitions);
                case 9 -> random.nextInt(3) == 0
                    ? acls.deleteAcls(f.image, List.of(new AclFilter(null, "t" + random.nextInt(8),
                        AclFilter.PatternFilter.MATCH, null, null, null, null)))
                    : acls.createAcls(f.image, List.of(new AclBinding(AclBinding.ResourceType.TOPIC,
                        "t" + random.nextInt(8), AclBinding.PatternType.values()[random.nextInt(2)],
                        "User:u" + random.nextInt(3), "*", AclBinding.Operation.values()[random.nextInt(4)],
                        AclBinding.Permission.values()[random.nextInt(2)])));
                default -> configs.incrementalAlterConfigs(f.image, Map.of(
                    ConfigResource.topic("t" + random.nextInt(8)), List.of(new AlterConfigOp(
                        TopicConfigs.UNCLEAN_LEADER_ELECTION_ENABLE, AlterConfigOp.OpType.SET,
                        Boolean.toString(random.nextInt(4) == 0)))), false);
            };
            if (!result.records().isEmpty()) {
                List<MetadataRecord> decoded = serde.decode(serde.encode(result.records()));
                assertThat(decoded).isEqualTo(result.records());
                log.add(decoded);
            }
            f.apply(result);
            checkInvariants(before, f.image, "seed " + seed + " step " + step);
        }
        MetadataImage replayed = MetadataImage.EMPTY;
        long offset = 0;
        for (List<MetadataRecord> batch : log) {
            replayed = replayed.apply(offset++, batch);
        }
        assertThat(replayed).as("replay from scratch, seed " + seed).isEqualTo(f.image);
        assertThat(MetadataImage.fromRecords(f.image.offset(), f.image.toRecords()))
            .as("snapshot records, seed " + seed).isEqualTo(f.image);
    }

    private static ControllerResult<?> register(Fixtures f, Random random) {
        int id = 1 + random.nextInt(MAX_BROKERS);
        UUID incarnation = random.nextInt(4) == 0 ? UUID.randomUUID() : new UUID(id, 0);
        return f.brokers.register(f.image, new BrokerRegistrationRequest(id, incarnation,
            List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", id, null)),
            random.nextBoolean() ? null : "r" + id % 3), f.nowMs);
    }

    private static ControllerResult<?> heartbeat(Fixtures f, Random random) {
        List<BrokerRegistration> all = new ArrayList<>(f.image.brokers().values());
        if (all.isEmpty()) {
            return ControllerResult.noChange(null);
        }
        all.sort((a, b) -> Integer.compare(a.id(), b.id()));
        BrokerRegistration b = all.get(random.nextInt(all.size()));
        int roll = random.nextInt(10);
        long epoch = roll == 0 ? b.epoch() - 1 : b.epoch();
        return f.brokers.heartbeat(f.image, new BrokerHeartbeatRequest(b.id(), epoch,
            f.image.offset(), roll == 1, roll == 2), f.nowMs);
    }

    private static ControllerResult<?> reassign(Fixtures f, Random random,
                                                PartitionControlManager partitions) {
        List<Integer> target = new ArrayList<>();
        for (int b = 1; b <= MAX_BROKERS; b++) {
            if (random.nextInt(3) == 0) {
                target.add(b);
            }
        }
        Collections.shuffle(target, random);
        Optional<List<Integer>> wanted = random.nextInt(4) == 0 ? Optional.empty()
            : Optional.of(target);
        return partitions.alterPartitionReassignments(f.image, Map.of(new TopicPartitionName(
            "t" + random.nextInt(8), random.nextInt(3)), wanted));
    }

    private static ControllerResult<?> alterIsr(Fixtures f, Random random,
                                                PartitionControlManager partitions) {
        List<TopicImage> topics = new ArrayList<>(f.image.topicsById().values());
        if (topics.isEmpty()) {
            return ControllerResult.noChange(null);
        }
        topics.sort((a, b) -> a.name().compareTo(b.name()));
        TopicImage t = topics.get(random.nextInt(topics.size()));
        int index = random.nextInt(t.partitionCount());
        PartitionRegistration p = t.partition(index);
        if (!p.hasLeader()) {
            return ControllerResult.noChange(null);
        }
        List<Integer> isr = new ArrayList<>();
        isr.add(p.leader());
        for (int r : p.replicas()) {
            if (r != p.leader() && random.nextBoolean()) {
                isr.add(r);
            }
        }
        int partitionEpoch = random.nextInt(8) == 0 ? p.partitionEpoch() - 1 : p.partitionEpoch();
        return partitions.alterPartition(f.image, new AlterPartitionRequest(p.leader(),
            f.image.broker(p.leader()).orElseThrow().epoch(), t.id(), index, p.leaderEpoch(), isr,
            partitionEpoch));
    }

    private static void checkInvariants(MetadataImage before, MetadataImage after, String where) {
        for (TopicImage t : after.topicsById().values()) {
            assertThat(after.topic(t.name())).as(where).contains(t);
            for (Map.Entry<Integer, PartitionRegistration> e : t.partitions().entrySet()) {
                PartitionRegistration p = e.getValue();
                String at = where + " " + t.name() + "-" + e.getKey() + " " + p;
                assertThat(p.isr()).as(at).isNotEmpty();
                assertThat(p.replicas()).as(at).containsAll(p.isr());
                if (p.hasLeader()) {
                    assertThat(p.isr()).as(at).contains(p.leader());
                    assertThat(after.isLive(p.leader())).as(at + " leader live").isTrue();
                } else {
                    assertThat(p.isr()).as(at + " leaderless with a live isr member")
                        .noneMatch(after::isLive);
                }
                PartitionRegistration old = before.topic(t.id())
                    .map(o -> o.partition(e.getKey())).orElse(null);
                if (old != null) {
                    assertThat(p.leaderEpoch()).as(at).isGreaterThanOrEqualTo(old.leaderEpoch());
                    assertThat(p.partitionEpoch()).as(at)
                        .isGreaterThanOrEqualTo(old.partitionEpoch());
                    if (p.leader() != old.leader()) {
                        assertThat(p.leaderEpoch()).as(at).isGreaterThan(old.leaderEpoch());
                    }
                    if (!p.equals(old)) {
                        assertThat(p.partitionEpoch()).as(at).isGreaterThan(old.partitionEpoch());
                    }
                }
            }
        }
    }
}
