package io.weir.broker.group;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.coordinator.group.generated.GroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.OffsetCommitKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code offsets.retention.minutes} with real consumers and a 3 s retention: offsets of an empty
 * group and of an {@code assign()} consumer expire, an active group's do not, and the expiry is
 * written to {@code __consumer_offsets} as Kafka's tombstones.
 */
class OffsetRetentionTest {
    private static final long RETENTION_MS = 3_000;
    @TempDir
    Path dir;
    private WeirNode node;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: retention
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                coordination:
                  backend: local
                group.initial.rebalance.delay.ms: 0
                group.consumer.heartbeat.interval.ms: 500
                offsets.retention.minutes: 0.05
                offsets.retention.check.interval.ms: 300
                """.formatted(dir.resolve("node-1"))));
        node.awaitReady(Duration.ofSeconds(30));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers()));
        admin.createTopics(List.of(new NewTopic("work", 2, (short) 1))).all().get(20, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        admin.close();
        node.close();
    }

    @Test
    void offsetsOfGroupsThatNoLongerUseThemExpireAndEmptyGroupsGo() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> commit = Map.of(new TopicPartition("work", 0), new OffsetAndMetadata(1),
                new TopicPartition("work", 1), new OffsetAndMetadata(2));
        // An assign() consumer commits and goes; the classic and consumer groups' members stay past the retention.
        try (KafkaConsumer<byte[], byte[]> standalone = consumer("standalone", "classic")) {
            standalone.assign(commit.keySet());
            standalone.commitSync(commit, Duration.ofSeconds(20));
        }
        List<KafkaConsumer<byte[], byte[]>> members = new ArrayList<>();
        try {
            for (String protocol : List.of("classic", "consumer")) {
                KafkaConsumer<byte[], byte[]> member = consumer(protocol + "-g", protocol);
                members.add(member);
                member.subscribe(List.of("work"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (member.assignment().size() < 2 && System.nanoTime() < deadline) member.poll(Duration.ofMillis(100));
                member.commitSync(commit, Duration.ofSeconds(20));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> committed("standalone").isEmpty());
            // Well past the retention since their commits, the active groups keep their offsets.
            long activeUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETENTION_MS + 1_000);
            while (System.nanoTime() < activeUntil) members.forEach(m -> m.poll(Duration.ofMillis(100)));
            assertThat(committed("classic-g")).hasSize(2);
            assertThat(committed("consumer-g")).hasSize(2);
        } finally {
            members.forEach(m -> m.close(Duration.ofSeconds(5)));
        }
        // Empty now: a retention later their offsets expire and the groups are deleted.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(committed("classic-g")).isEmpty();
            assertThat(committed("consumer-g")).isEmpty();
            assertThat(admin.listGroups().all().get(10, TimeUnit.SECONDS)).extracting(GroupListing::groupId)
                    .doesNotContain("standalone", "classic-g", "consumer-g");
        });

        Map<String, Integer> offsetTombstones = new HashMap<>();
        boolean[] classicGroupTombstone = {false};
        for (ConsumerRecord<byte[], byte[]> r : readOffsetsTopic()) {
            if (r.value() != null) continue;
            ByteBuffer key = ByteBuffer.wrap(r.key());
            short type = key.getShort();
            if (type == 1) {
                OffsetCommitKey k = new OffsetCommitKey();
                k.read(new ByteBufferAccessor(key), (short) 0);
                offsetTombstones.merge(k.group(), 1, Integer::sum);
            } else if (type == 2) {
                GroupMetadataKey k = new GroupMetadataKey();
                k.read(new ByteBufferAccessor(key), (short) 0);
                if (k.group().equals("classic-g")) classicGroupTombstone[0] = true;
            }
        }
        assertThat(offsetTombstones).containsEntry("standalone", 2).containsEntry("classic-g", 2)
                .containsEntry("consumer-g", 2);
        assertThat(classicGroupTombstone[0]).isTrue();
    }

    private Map<TopicPartition, OffsetAndMetadata> committed(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
                .forEach((tp, o) -> {
                    if (o != null) out.put(tp, o);
                });
        return out;
    }

    private List<ConsumerRecord<byte[], byte[]>> readOffsetsTopic() throws Exception {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        int partitions = admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get(10, TimeUnit.SECONDS)
                .get("__consumer_offsets").partitions().size();
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) tps.add(new TopicPartition("__consumer_offsets", p));
            reader.assign(tps);
            reader.seekToBeginning(tps);
            Map<TopicPartition, Long> end = reader.endOffsets(tps);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tps.stream().anyMatch(tp -> reader.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                reader.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private KafkaConsumer<byte[], byte[]> consumer(String group, String protocol) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(config);
    }
}
