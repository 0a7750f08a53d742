package io.weir.broker.group;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import io.weir.broker.testing.FreePorts;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A KIP-848 group ({@code group.protocol=consumer}) whose coordinator goes away and comes back
 * (the node restarts on its data directory, so the new coordinator has only what
 * {@code __consumer_offsets} holds): the members carry on with their member ids, epochs and
 * partitions, nothing revoked or lost, and the group keeps its epoch. The three-node kill -9
 * variant is {@code chaos.GroupCoordinatorFailoverTest} ({@code -Pchaos}).
 */
class ConsumerGroupRestartTest {
    @TempDir
    Path dir;

    @Test
    void membersKeepTheirEpochsAndPartitionsAcrossACoordinatorRestart() throws Exception {
        int[] ports = FreePorts.take(2);
        NodeConfig config = NodeConfig.parse("""
                node.id: 1
                cluster.id: kip848-restart
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:%d
                coordination:
                  backend: ratis
                  voters:
                    - {id: 1, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}
                broker.heartbeat.interval.ms: 200
                group.consumer.heartbeat.interval.ms: 500
                group.consumer.session.timeout.ms: 120000
                """.formatted(dir.resolve("node-1"), ports[0], ports[1], ports[0]));
        String bootstrap = "127.0.0.1:" + ports[0];
        Member a;
        Member b;
        WeirNode node = WeirNode.start(config);
        try {
            node.awaitReady(Duration.ofSeconds(60));
            try (Admin admin = admin(bootstrap)) {
                admin.createTopics(List.of(new NewTopic("work", 4, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            a = new Member(bootstrap);
            b = new Member(bootstrap);
        } catch (Exception | Error e) {
            node.close();
            throw e;
        }
        try {
            pollUntil(List.of(a, b), () -> a.consumer.assignment().size() == 2 && b.consumer.assignment().size() == 2);
            Set<TopicPartition> aOwned = Set.copyOf(a.consumer.assignment());
            Set<TopicPartition> bOwned = Set.copyOf(b.consumer.assignment());
            int aEpoch = a.consumer.groupMetadata().generationId();
            int bEpoch = b.consumer.groupMetadata().generationId();
            int groupEpoch = describe(bootstrap).groupEpoch().orElseThrow();
            String aId = a.consumer.groupMetadata().memberId();
            a.consumer.commitSync(Duration.ofSeconds(30));
            int revokedBefore = a.revokedOrLost.get() + b.revokedOrLost.get();

            node.close();
            node = WeirNode.start(config);
            node.awaitReady(Duration.ofSeconds(60));

            // Commits go through once the members have found the restarted coordinator, which must
            // know them: a member it had forgotten would be fenced and lose its partitions.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                pollUntil(List.of(a, b), () -> true);
                try {
                    a.consumer.commitSync(Duration.ofSeconds(10));
                    b.consumer.commitSync(Duration.ofSeconds(10));
                    break;
                } catch (KafkaException notYet) {
                    assertThat(System.nanoTime()).as("committed in time: %s", notYet.toString()).isLessThan(deadline);
                }
            }
            pollUntil(List.of(a, b), () -> true);
            assertThat(a.revokedOrLost.get() + b.revokedOrLost.get()).isEqualTo(revokedBefore);
            assertThat(a.consumer.assignment()).isEqualTo(aOwned);
            assertThat(b.consumer.assignment()).isEqualTo(bOwned);
            assertThat(a.consumer.groupMetadata().memberId()).isEqualTo(aId);
            assertThat(a.consumer.groupMetadata().generationId()).isEqualTo(aEpoch);
            assertThat(b.consumer.groupMetadata().generationId()).isEqualTo(bEpoch);
            ConsumerGroupDescription described = describe(bootstrap);
            assertThat(described.groupEpoch().orElseThrow()).isEqualTo(groupEpoch);
            assertThat(described.members()).hasSize(2);
        } finally {
            a.close();
            b.close();
            node.close();
        }
    }

    private static void pollUntil(List<Member> members, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        do {
            for (Member m : members) m.consumer.poll(Duration.ofMillis(100));
            assertThat(System.nanoTime()).as("in time").isLessThan(deadline);
        } while (!done.getAsBoolean());
    }

    private static ConsumerGroupDescription describe(String bootstrap) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            return admin.describeConsumerGroups(List.of("g")).all().get(30, TimeUnit.SECONDS).get("g");
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000));
    }

    /** A {@code group.protocol=consumer} member of group g that counts the partitions it had revoked or lost. */
    private static final class Member implements AutoCloseable {
        final KafkaConsumer<String, String> consumer;
        final AtomicInteger revokedOrLost = new AtomicInteger();

        Member(String bootstrap) {
            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            config.put(ConsumerConfig.GROUP_ID_CONFIG, "g");
            config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
            consumer = new KafkaConsumer<>(config);
            consumer.subscribe(List.of("work"), new ConsumerRebalanceListener() {
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

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
