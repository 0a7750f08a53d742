package io.weir.broker.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import io.weir.broker.testing.KeptLogs;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.AfterEach;

/**
 * Three node JVMs; a group of three real consumers shares six partitions. The node that
 * coordinates the group is killed with kill -9: another node takes over the group from
 * {@code __consumer_offsets} (its generation, members and assignments), so the members carry on
 * at the same generation without a rebalance (no partition is revoked or lost), and the offsets
 * they committed before are intact. Then one member leaves and a new one joins, against the new
 * coordinator.
 */
@EnabledIfSystemProperty(named = "weir.chaos.long", matches = "true") // mvn verify -Pchaos: 2-4 minutes
class GroupCoordinatorFailoverTest {
    private static final String TOPIC = "work";
    private static final int PARTITIONS = 6;
    private static final Map<String, Object> NODE_CONFIG = Map.of(
            "broker.heartbeat.interval.ms", 200,
            "broker.session.timeout.ms", 3000,
            "replica.lag.time.max.ms", 3000,
            "group.initial.rebalance.delay.ms", 0,
            "group.consumer.heartbeat.interval.ms", 500,
            "group.consumer.session.timeout.ms", 15_000);

    /** Deleted pass or fail; every node's log is kept in target/test-logs (KeptLogs) for the post-mortem. */
    @TempDir
    Path dir;

    @AfterEach
    void keepLogs(TestInfo test) {
        KeptLogs.copy(dir, test);
    }

    @Test
    void killingTheCoordinatorKeepsTheGenerationAndTheCommittedOffsets() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, NODE_CONFIG)) {
            String bootstrap = startWithTopic(cluster);
            produce(bootstrap, 0, 600);
            List<Member> members = List.of(new Member(bootstrap, GroupProtocol.CLASSIC), new Member(bootstrap, GroupProtocol.CLASSIC),
                    new Member(bootstrap, GroupProtocol.CLASSIC));
            Set<String> seen = new HashSet<>();
            try {
                pollUntil(members, seen, () -> seen.size() == 600 && members.stream().allMatch(m -> m.owns(2)));
                for (Member m : members) m.consumer.commitSync(Duration.ofSeconds(30));
                int generation = members.get(0).consumer.groupMetadata().generationId();
                assertThat(members).allSatisfy(m ->
                        assertThat(m.consumer.groupMetadata().generationId()).isEqualTo(generation));
                Map<Member, Integer> revocations = new HashMap<>();
                members.forEach(m -> revocations.put(m, m.revokedOrLost.get()));

                int coordinator;
                try (Admin admin = ChaosTopic.admin(bootstrap)) {
                    coordinator = admin.describeConsumerGroups(List.of("g")).all().get(20, TimeUnit.SECONDS)
                            .get("g").coordinator().id();
                }
                cluster.killDashNine(coordinator);

                produce(bootstrap, 600, 60);
                pollUntil(members, seen, () -> seen.size() == 660);
                for (Member m : members) m.consumer.commitSync(Duration.ofSeconds(60));
                assertThat(members).as("same generation, nothing revoked: no rebalance").allSatisfy(m -> {
                    assertThat(m.consumer.groupMetadata().generationId()).isEqualTo(generation);
                    assertThat(m.revokedOrLost.get()).isEqualTo(revocations.get(m));
                    assertThat(m.consumer.assignment()).hasSize(2);
                });
                try (Admin admin = ChaosTopic.admin(bootstrap)) {
                    assertThat(admin.describeConsumerGroups(List.of("g")).all().get(20, TimeUnit.SECONDS)
                            .get("g").coordinator().id()).isNotEqualTo(coordinator);
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("g")
                            .partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS);
                    assertThat(committed).hasSize(PARTITIONS);
                    assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(660);
                }

                // One leaves: the other two take its partitions. One joins: six partitions over three again.
                members.get(2).close();
                List<Member> remaining = new ArrayList<>(members.subList(0, 2));
                pollUntil(remaining, seen, () -> remaining.stream().allMatch(m -> m.owns(3)));
                Member joiner = new Member(bootstrap, GroupProtocol.CLASSIC);
                remaining.add(joiner);
                produce(bootstrap, 660, 60);
                pollUntil(remaining, seen, () -> seen.size() == 720 && remaining.stream().allMatch(m -> m.owns(2)));
                remaining.forEach(m -> m.consumer.commitSync(Duration.ofSeconds(30)));
                assertThat(joiner.consumer.groupMetadata().generationId()).isGreaterThan(generation);
                remaining.forEach(Member::close);
            } finally {
                members.forEach(Member::close);
            }
        }
    }

    /**
     * The same with {@code group.protocol=consumer}: the new coordinator restores the group from
     * its records in {@code __consumer_offsets}; the group carries on with its committed offsets,
     * and its members keep their member epochs with nothing revoked; it reads every record, and
     * ends with two partitions each, none owned twice.
     */
    @Test
    void withTheConsumerProtocolTheGroupCarriesOnFromItsCommittedOffsets() throws Exception {
        try (ProcessCluster cluster = new ProcessCluster(dir, 3, NODE_CONFIG)) {
            String bootstrap = startWithTopic(cluster);
            produce(bootstrap, 0, 600);
            List<Member> members = new ArrayList<>(List.of(new Member(bootstrap, GroupProtocol.CONSUMER),
                    new Member(bootstrap, GroupProtocol.CONSUMER), new Member(bootstrap, GroupProtocol.CONSUMER)));
            Set<String> seen = new HashSet<>();
            try {
                pollUntil(members, seen, () -> seen.size() == 600 && members.stream().allMatch(m -> m.owns(2)));
                for (Member m : members) m.consumer.commitSync(Duration.ofSeconds(30));
                Map<Member, Integer> epochs = new HashMap<>();
                Map<Member, Integer> revocations = new HashMap<>();
                members.forEach(m -> {
                    epochs.put(m, m.consumer.groupMetadata().generationId());
                    revocations.put(m, m.revokedOrLost.get());
                });
                int coordinator;
                try (Admin admin = ChaosTopic.admin(bootstrap)) {
                    coordinator = admin.describeConsumerGroups(List.of("g")).all().get(20, TimeUnit.SECONDS)
                            .get("g").coordinator().id();
                }
                cluster.killDashNine(coordinator);

                produce(bootstrap, 600, 60);
                // Until the members have found the new coordinator, their commits fail (the group is
                // not known there until they rejoin), so commit as an application would: retry.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (true) {
                    pollUntil(members, seen, () -> seen.size() == 660 && members.stream().allMatch(m -> m.owns(2))
                            && members.stream().allMatch(m -> m.caughtUp(110)));
                    try {
                        for (Member m : members) m.consumer.commitSync(Duration.ofSeconds(30));
                        break;
                    } catch (KafkaException notYet) {
                        assertThat(System.nanoTime()).as("committed in time: %s", notYet.toString()).isLessThan(deadline);
                    }
                }
                assertThat(members).as("restored from its records: same member epochs, nothing revoked").allSatisfy(m -> {
                    assertThat(m.consumer.groupMetadata().generationId()).isEqualTo(epochs.get(m));
                    assertThat(m.revokedOrLost.get()).isEqualTo(revocations.get(m));
                });
                assertDisjoint(members);
                try (Admin admin = ChaosTopic.admin(bootstrap)) {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("g")
                            .partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS);
                    assertThat(committed).hasSize(PARTITIONS);
                    assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(660);
                }

                members.remove(2).close();
                pollUntil(members, seen, () -> members.stream().allMatch(m -> m.owns(3)));
                members.add(new Member(bootstrap, GroupProtocol.CONSUMER));
                pollUntil(members, seen, () -> members.stream().allMatch(m -> m.owns(2)));
                assertDisjoint(members);
            } finally {
                members.forEach(Member::close);
            }
        }
    }

    private static String startWithTopic(ProcessCluster cluster) throws Exception {
        cluster.startAll();
        for (int id = 1; id <= 3; id++) cluster.awaitListening(id, 60_000);
        String bootstrap = cluster.bootstrapServers();
        try (Admin admin = ChaosTopic.admin(bootstrap)) {
            await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> {
                try {
                    admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)))
                            .all().get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // An earlier try that timed out on this side may have created it.
                    if (!(e.getCause() instanceof TopicExistsException)) throw e;
                }
                return true;
            });
        }
        return bootstrap;
    }

    private static void assertDisjoint(List<Member> members) {
        Set<TopicPartition> all = new HashSet<>();
        members.forEach(m -> m.consumer.assignment().forEach(tp -> assertThat(all.add(tp)).as("%s owned twice", tp).isTrue()));
        assertThat(all).hasSize(PARTITIONS);
    }

    private static void pollUntil(Collection<Member> members, Set<String> seen, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("in time; seen %d", seen.size()).isLessThan(deadline);
            for (Member m : members) {
                for (ConsumerRecord<String, String> r : m.consumer.poll(Duration.ofMillis(100))) seen.add(r.value());
            }
        }
    }

    private static void produce(String bootstrap, int from, int count) throws Exception {
        try (KafkaProducer<String, String> producer = ChaosTopic.producer(bootstrap, 60_000)) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, "m" + i));
            }
            producer.flush();
        }
    }

    /** A subscribe() consumer of group {@code g} that counts the partitions it had revoked or lost. */
    private static final class Member implements AutoCloseable {
        final KafkaConsumer<String, String> consumer;
        final AtomicInteger revokedOrLost = new AtomicInteger();
        private boolean closed;

        Member(String bootstrap, GroupProtocol protocol) {
            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol.name().toLowerCase());
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            config.put(ConsumerConfig.GROUP_ID_CONFIG, "g");
            config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            if (protocol == GroupProtocol.CLASSIC) {
                config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 15_000);
                config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
            }
            config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 60_000);
            config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
            consumer = new KafkaConsumer<>(config);
            consumer.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) revokedOrLost.incrementAndGet();
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) revokedOrLost.incrementAndGet();
                }
            });
        }

        boolean owns(int partitions) {
            return consumer.assignment().size() == partitions;
        }

        /** Whether it has read each partition it owns to {@code end}. */
        boolean caughtUp(long end) {
            return consumer.assignment().stream().allMatch(tp -> consumer.position(tp, Duration.ofSeconds(10)) == end);
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            consumer.close(Duration.ofSeconds(10));
        }
    }
}
