package io.weir.broker.group;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.InconsistentGroupProtocolException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * KIP-848 with Kafka's own consumer ({@code group.protocol=consumer}): three members share six
 * partitions through ConsumerGroupHeartbeat, one leaves and one joins; the admin client describes
 * the group through ConsumerGroupDescribe; classic and consumer groups keep to their own ids; a
 * regex subscription (KIP-848's SubscribedTopicRegex) resolved by the coordinator, also for a
 * topic created after the member joined.
 */
class ConsumerProtocolTest {
    private static final String TOPIC = "work";

    @TempDir
    Path dir;
    private WeirNode node;

    @BeforeEach
    void start() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: consumer-groups
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                coordination:
                  backend: local
                broker.heartbeat.interval.ms: 100
                group.initial.rebalance.delay.ms: 0
                group.consumer.heartbeat.interval.ms: 500
                group.consumer.session.timeout.ms: 10000
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
    void threeMembersShareSixPartitionsOneLeavesOneJoins() throws Exception {
        produce(0, 600);
        Set<String> seen = new HashSet<>();
        List<KafkaConsumer<String, String>> members = new ArrayList<>(List.of(consumer("g", GroupProtocol.CONSUMER),
                consumer("g", GroupProtocol.CONSUMER), consumer("g", GroupProtocol.CONSUMER)));
        try {
            members.forEach(c -> c.subscribe(List.of(TOPIC)));
            pollUntil(members, seen, () -> seen.size() == 600 && owns(members, 2));
            assertDisjoint(members);
            for (KafkaConsumer<String, String> c : members) c.commitSync(Duration.ofSeconds(20));

            try (Admin admin = admin()) {
                assertThat(admin.listGroups().all().get(20, TimeUnit.SECONDS))
                        .filteredOn(g -> g.groupId().equals("g")).singleElement()
                        .satisfies(g -> assertThat(g.type()).contains(GroupType.CONSUMER));
                ConsumerGroupDescription g = admin.describeConsumerGroups(List.of("g")).all()
                        .get(20, TimeUnit.SECONDS).get("g");
                assertThat(g.type()).isEqualTo(GroupType.CONSUMER);
                assertThat(g.groupState()).isEqualTo(GroupState.STABLE);
                assertThat(g.partitionAssignor()).isEqualTo("uniform");
                assertThat(g.members()).hasSize(3).allSatisfy(m -> assertThat(m.assignment().topicPartitions()).hasSize(2));
                assertThat(g.members()).flatExtracting(m -> m.assignment().topicPartitions()).extracting(TopicPartition::topic)
                        .containsOnly(TOPIC);
                assertThat(g.groupEpoch()).isPresent();
            }

            // One leaves (LeaveGroup is a heartbeat with epoch -1): the other two take its partitions.
            members.remove(2).close(Duration.ofSeconds(10));
            pollUntil(members, seen, () -> owns(members, 3));
            assertDisjoint(members);
            // One joins: two each again.
            members.add(consumer("g", GroupProtocol.CONSUMER));
            members.get(2).subscribe(List.of(TOPIC));
            produce(600, 60);
            pollUntil(members, seen, () -> seen.size() == 660 && owns(members, 2) && caughtUp(members, 110));
            assertDisjoint(members);
            for (KafkaConsumer<String, String> c : members) c.commitSync(Duration.ofSeconds(20));
            try (Admin admin = admin()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("g")
                        .partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS);
                assertThat(committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum()).isEqualTo(660);
                assertThat(admin.describeConsumerGroups(List.of("g")).all().get(20, TimeUnit.SECONDS).get("g").members())
                        .extracting(MemberDescription::consumerId).hasSize(3);
            }

            // A classic member cannot join a consumer group.
            try (KafkaConsumer<String, String> classic = consumer("g", GroupProtocol.CLASSIC)) {
                classic.subscribe(List.of(TOPIC));
                assertThatThrownBy(() -> pollFor(classic, Duration.ofSeconds(30)))
                        .isInstanceOf(InconsistentGroupProtocolException.class);
            }
        } finally {
            for (KafkaConsumer<String, String> c : members) c.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void aConsumerProtocolMemberCannotJoinAClassicGroupWithMembers() throws Exception {
        try (KafkaConsumer<String, String> classic = consumer("c", GroupProtocol.CLASSIC);
             KafkaConsumer<String, String> modern = consumer("c", GroupProtocol.CONSUMER)) {
            classic.subscribe(List.of(TOPIC));
            pollUntil(List.of(classic), new HashSet<>(), () -> classic.assignment().size() == 6);
            modern.subscribe(List.of(TOPIC));
            assertThatThrownBy(() -> pollFor(modern, Duration.ofSeconds(30))).isInstanceOf(GroupIdNotFoundException.class);
            try (Admin admin = admin()) {
                ConsumerGroupDescription c = admin.describeConsumerGroups(List.of("c")).all().get(20, TimeUnit.SECONDS).get("c");
                assertThat(c.type()).isEqualTo(GroupType.CLASSIC);
                assertThat(c.members()).hasSize(1);
                assertThat(admin.listGroups().all().get(20, TimeUnit.SECONDS)).extracting(GroupListing::groupId).contains("c");
            }
        }
    }

    private static void pollFor(KafkaConsumer<String, String> consumer, Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < deadline) consumer.poll(Duration.ofMillis(100));
    }

    private static boolean owns(List<KafkaConsumer<String, String>> members, int each) {
        return members.stream().allMatch(c -> c.assignment().size() == each);
    }

    /** Whether every member has read each partition it owns to {@code end}. */
    private static boolean caughtUp(List<KafkaConsumer<String, String>> members, long end) {
        return members.stream().allMatch(c -> c.assignment().stream()
                .allMatch(tp -> c.position(tp, Duration.ofSeconds(10)) == end));
    }

    private static void assertDisjoint(List<KafkaConsumer<String, String>> members) {
        Set<TopicPartition> all = new HashSet<>();
        members.forEach(c -> c.assignment().forEach(tp -> assertThat(all.add(tp)).as("%s owned twice", tp).isTrue()));
        assertThat(all).hasSize(6);
    }

    private static void pollUntil(Collection<KafkaConsumer<String, String>> members, Set<String> seen, BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("in time; seen %d", seen.size()).isLessThan(deadline);
            for (KafkaConsumer<String, String> c : members) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) seen.add(r.value());
            }
        }
    }

    @Test
    void aRegexSubscriptionGetsMatchingTopicsIncludingOnesCreatedLater() throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic("orders-eu", 2, (short) 1), new NewTopic("payments", 1, (short) 1)))
                    .all().get(20, TimeUnit.SECONDS);
            try (KafkaConsumer<String, String> member = consumer("regex-g", GroupProtocol.CONSUMER)) {
                member.subscribe(new SubscriptionPattern("orders-.*"));
                awaitAssignment(member, Set.of(new TopicPartition("orders-eu", 0), new TopicPartition("orders-eu", 1)));

                admin.createTopics(List.of(new NewTopic("orders-us", 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
                awaitAssignment(member, Set.of(new TopicPartition("orders-eu", 0), new TopicPartition("orders-eu", 1),
                        new TopicPartition("orders-us", 0)));

                MemberDescription described = admin.describeConsumerGroups(List.of("regex-g")).all()
                        .get(20, TimeUnit.SECONDS).get("regex-g").members().iterator().next();
                assertThat(described.assignment().topicPartitions()).extracting(TopicPartition::topic)
                        .containsOnly("orders-eu", "orders-us");
            }
        }
    }

    private static void awaitAssignment(KafkaConsumer<String, String> member, Set<TopicPartition> expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!member.assignment().equals(expected) && System.nanoTime() < deadline) member.poll(Duration.ofMillis(100));
        assertThat(member.assignment()).isEqualTo(expected);
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
    }

    private void produce(int from, int count) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = from; i < from + count; i++) producer.send(new ProducerRecord<>(TOPIC, i % 6, null, "m" + i));
            producer.flush();
        }
    }

    private KafkaConsumer<String, String> consumer(String group, GroupProtocol protocol) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol.name().toLowerCase());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        if (protocol == GroupProtocol.CLASSIC) {
            config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
            config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
        }
        return new KafkaConsumer<>(config);
    }
}
