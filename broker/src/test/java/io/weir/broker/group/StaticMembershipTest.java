package io.weir.broker.group;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Static membership (KIP-345) with real consumers that set {@code group.instance.id}: a member
 * that restarts within its session timeout gets its partitions back and the others notice
 * nothing; a second process with the same instance id fences the first; admins remove members
 * by instance id.
 */
class StaticMembershipTest {
    private static final String TOPIC = "work";

    @TempDir
    Path dir;
    private WeirNode node;

    @BeforeEach
    void start() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: static-groups
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                coordination:
                  backend: local
                broker.heartbeat.interval.ms: 100
                group.initial.rebalance.delay.ms: 0
                """.formatted(dir.resolve("node-1"))));
        node.awaitReady(Duration.ofSeconds(30));
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void aStaticMemberRestartsWithoutARebalanceAndAdminsRemoveMembersByInstanceId() throws Exception {
        List<Member> members = new ArrayList<>(List.of(new Member("i-0"), new Member("i-1"), new Member("i-2")));
        try {
            pollUntil(members, () -> members.stream().allMatch(m -> m.owns(2)));
            int generation = members.get(0).consumer.groupMetadata().generationId();
            Set<TopicPartition> before = new HashSet<>(members.get(2).consumer.assignment());
            Map<String, Integer> revocations = new HashMap<>();
            members.forEach(m -> revocations.put(m.instanceId, m.revokedOrLost.get()));

            // A static member's close sends no LeaveGroup: its place waits for it for a session timeout.
            members.remove(2).close();
            Member restarted = new Member("i-2");
            members.add(restarted);
            pollUntil(members, () -> restarted.owns(2));
            assertThat(restarted.consumer.assignment()).isEqualTo(before);
            assertThat(members).as("no rebalance: same generation, nothing revoked").allSatisfy(m -> {
                assertThat(m.consumer.groupMetadata().generationId()).isEqualTo(generation);
                assertThat(m.revokedOrLost.get()).isEqualTo(revocations.getOrDefault(m.instanceId, 0));
                assertThat(m.consumer.assignment()).hasSize(2);
            });

            try (Admin admin = admin()) {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("g")).all()
                        .get(20, TimeUnit.SECONDS).get("g");
                assertThat(group.members()).extracting(m -> m.groupInstanceId().orElse(null))
                        .containsExactlyInAnyOrder("i-0", "i-1", "i-2");

                // Removing an instance that is not a member fails for that member.
                assertThatThrownBy(() -> admin.removeMembersFromConsumerGroup("g", new RemoveMembersFromConsumerGroupOptions(
                        List.of(new MemberToRemove("i-9")))).all().get(20, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UnknownMemberIdException.class);

                // A stopped static member is removed at once by instance id; the others take its partitions.
                members.remove(2).close();
                admin.removeMembersFromConsumerGroup("g", new RemoveMembersFromConsumerGroupOptions(
                        List.of(new MemberToRemove("i-2")))).all().get(20, TimeUnit.SECONDS);
                pollUntil(members, () -> members.stream().allMatch(m -> m.owns(3)));
                assertThat(admin.describeConsumerGroups(List.of("g")).all().get(20, TimeUnit.SECONDS).get("g").members())
                        .extracting(MemberDescription::groupInstanceId).extracting(o -> o.orElse(null))
                        .containsExactlyInAnyOrder("i-0", "i-1");
            }

            // A second process with instance i-0 takes its place; the first is fenced.
            Member duplicate = new Member("i-0");
            members.add(duplicate);
            pollUntil(List.of(duplicate), () -> duplicate.owns(3));
            assertThatThrownBy(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < deadline) members.get(0).consumer.poll(Duration.ofMillis(100));
            }).isInstanceOf(FencedInstanceIdException.class);
        } finally {
            members.forEach(Member::close);
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
    }

    private static void pollUntil(Collection<Member> members, BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("in time").isLessThan(deadline);
            for (Member m : members) m.consumer.poll(Duration.ofMillis(100));
        }
    }

    /** A static subscribe() consumer of group {@code g} that counts the partitions it had revoked or lost. */
    private final class Member implements AutoCloseable {
        final String instanceId;
        final KafkaConsumer<String, String> consumer;
        final AtomicInteger revokedOrLost = new AtomicInteger();
        private boolean closed;

        Member(String instanceId) {
            this.instanceId = instanceId;
            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
            config.put(ConsumerConfig.GROUP_ID_CONFIG, "g");
            config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
            config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 60_000);
            config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
            config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 60_000);
            config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
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

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException fenced) {
                // a fenced member's close may report the fencing again
            }
        }
    }
}
