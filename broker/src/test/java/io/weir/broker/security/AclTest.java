package io.weir.broker.security;

import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import io.weir.broker.testing.FreePorts;
import io.weir.broker.testing.KafkaTool;
import io.weir.broker.testing.RawKafkaClient;
import kafka.admin.ConfigCommand;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.CreateAclsResponse;
import org.apache.kafka.common.requests.DeleteAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.tools.AclCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * ACLs end to end with Kafka's own tools and clients: SCRAM users on a SASL_PLAINTEXT listener of a
 * node with {@code authorizer.class.name} set. Without ACLs alice sees no topics and cannot
 * produce, fetch, join a group or create a topic; {@code kafka-acls.sh} (AclCommand) grants each,
 * lists them and removes them; a DENY beats an ALLOW; a super user may do everything. The
 * PLAINTEXT listener's ANONYMOUS is a super user here, as an operator's bootstrap listener. On
 * three nodes, ACLs created and deleted through a node that is not the active controller (which
 * forwards them) reach every node's image, which is what every node authorizes with.
 */
class AclTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private WeirNode node;

    @AfterEach
    void stop() {
        if (node != null) node.close();
    }

    @Test
    void aclsGrantDenyAndRevokeWhatKafkaClientsMayDo() throws Exception {
        startSecureNode();
        String operator = node.bootstrapServers();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, operator))) {
            admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }

        // No ACLs: nothing.
        try (Admin alice = Admin.create(client("alice"))) {
            assertThat(alice.listTopics().names().get(30, TimeUnit.SECONDS)).isEmpty();
            assertThatThrownBy(() -> alice.createTopics(List.of(new NewTopic("alice-new", 1, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> alice.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "orders")))
                    .all().get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> alice.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ClusterAuthorizationException.class);
            assertThatThrownBy(() -> alice.incrementalAlterConfigs(Map.of(
                    new ConfigResource(ConfigResource.Type.TOPIC, "orders"), List.of(new AlterConfigOp(
                            new ConfigEntry("retention.ms", "1000"), AlterConfigOp.OpType.SET)))).all()
                    .get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        try (Admin operatorAdmin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, operator))) {
            assertThat(operatorAdmin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "orders")))
                    .all().get(30, TimeUnit.SECONDS).values().iterator().next().get("retention.ms").value())
                    .as("alice's refused change was not made").isNotEqualTo("1000");
        }
        assertThatThrownBy(() -> produce("alice", "orders", "refused"))
                .hasCauseInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> readAssigned("alice", "orders", 1)).isInstanceOf(TopicAuthorizationException.class);

        // Kafka's own kafka-acls.sh grants each; the group's READ last, so that joining it is refused first.
        acl("--add", "--allow-principal", "User:alice", "--producer", "--topic", "orders");
        acl("--add", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "orders");
        acl("--add", "--allow-principal", "User:alice", "--operation", "Create", "--topic", "alice-",
                "--resource-pattern-type", "prefixed");
        await().atMost(BOUND).ignoreExceptions().untilAsserted(() ->
                assertThatThrownBy(() -> readInGroup("alice", "orders", "alice-group", 1))
                        .isInstanceOf(GroupAuthorizationException.class));
        acl("--add", "--allow-principal", "User:alice", "--consumer", "--topic", "orders", "--group", "alice-group");
        await().atMost(BOUND).ignoreExceptions().untilAsserted(() -> {
            try (Admin alice = Admin.create(client("alice"))) {
                assertThat(alice.listTopics().names().get(30, TimeUnit.SECONDS)).containsExactly("orders");
                alice.createTopics(List.of(new NewTopic("alice-new", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
        });
        produce("alice", "orders", "granted");
        assertThat(readInGroup("alice", "orders", "alice-group", 1)).containsExactly("granted");
        assertThat(acl("--list", "--topic", "orders"))
                .contains("principal=User:alice").contains("operation=WRITE").contains("operation=READ");
        try (Admin alice = Admin.create(client("alice"))) {
            // KIP-430: what alice may do, as the admin client shows it.
            assertThat(alice.describeTopics(List.of("orders"), new DescribeTopicsOptions().includeAuthorizedOperations(true))
                    .allTopicNames().get(30, TimeUnit.SECONDS).get("orders").authorizedOperations())
                    .containsExactlyInAnyOrder(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE);
            assertThat(alice.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true))
                    .authorizedOperations().get(30, TimeUnit.SECONDS)).doesNotContain(AclOperation.ALTER, AclOperation.DESCRIBE);
        }

        // A DENY beats the ALLOW; removing it gives the permission back.
        acl("--add", "--deny-principal", "User:*", "--operation", "Read", "--topic", "orders");
        await().atMost(BOUND).untilAsserted(() -> assertThatThrownBy(() -> readAssigned("alice", "orders", 1))
                .isInstanceOf(TopicAuthorizationException.class));
        acl("--remove", "--force", "--deny-principal", "User:*", "--operation", "Read", "--topic", "orders");
        await().atMost(BOUND).ignoreExceptions().untilAsserted(() ->
                assertThat(readAssigned("alice", "orders", 1)).containsExactly("granted"));
        assertThat(acl("--list", "--topic", "orders")).doesNotContain("DENY");

        // A super user needs no ACL.
        produce("admin", "admins-topic", "auto-created");
        try (Admin admin = Admin.create(client("admin"))) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .containsAll(Set.of("orders", "alice-new", "admins-topic"));
        }
    }

    /** One node, its PLAINTEXT listener's ANONYMOUS and {@code admin} super users, SCRAM users alice and admin. */
    private void startSecureNode() throws Exception {
        Path secret = Files.writeString(dir.resolve("cluster.secret"), "acl-test-cluster-secret-0123456789\n");
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                cluster.id: acl
                data.dir: %s
                listeners:
                  kafka: PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0
                coordination:
                  backend: local
                cluster.secret.file: %s
                group.initial.rebalance.delay.ms: 0
                authorizer.class.name: org.apache.kafka.metadata.authorizer.StandardAuthorizer
                super.users: User:ANONYMOUS;User:admin
                """.formatted(dir.resolve("node"), secret)));
        node.awaitReady(Duration.ofSeconds(60));
        for (String user : List.of("alice", "admin")) {
            assertThat(KafkaTool.run(ConfigCommand::main, "--bootstrap-server", node.bootstrapServers(), "--alter",
                    "--add-config", "SCRAM-SHA-512=[password=" + user + "-secret]", "--entity-type", "users",
                    "--entity-name", user).exitCode()).isZero();
        }
    }

    /**
     * KIP-848: a ConsumerGroupHeartbeat naming a topic the member may not describe is refused
     * TOPIC_AUTHORIZATION_FAILED as a whole, as in Kafka (the consumer reports it from poll and
     * keeps heartbeating), and the member joins once the ACL is there.
     */
    @Test
    void aConsumerGroupMemberMustBeAbleToDescribeEachTopicItSubscribesTo() throws Exception {
        startSecureNode();
        try (Admin operator = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers()))) {
            operator.createTopics(List.of(new NewTopic("orders", 1, (short) 1), new NewTopic("secret", 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            acl("--add", "--allow-principal", "User:alice", "--consumer", "--topic", "orders", "--group", "g848");
            Map<String, Object> config = consumerConfig("alice", "g848");
            config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
                consumer.subscribe(List.of("orders", "secret"));
                await().atMost(BOUND).untilAsserted(() -> assertThatThrownBy(() -> consumer.poll(Duration.ofMillis(200)))
                        .isInstanceOf(TopicAuthorizationException.class));
                assertThat(members(operator, "g848")).as("the refused heartbeat joined no one").isZero();

                // READ (which implies DESCRIBE), so that polls no longer fail on fetching it.
                acl("--add", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "secret");
                await().atMost(BOUND).ignoreExceptions().untilAsserted(() -> {
                    consumer.poll(Duration.ofMillis(200));
                    assertThat(members(operator, "g848")).isEqualTo(1);
                });
            }
        }
    }

    /** KIP-848: a member's {@code SubscribedTopicRegex} matches only topics it may describe, as in Kafka. */
    @Test
    void aConsumerGroupRegexMatchesOnlyTopicsTheMemberMayDescribe() throws Exception {
        startSecureNode();
        try (Admin operator = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers()))) {
            operator.createTopics(List.of(new NewTopic("orders", 1, (short) 1), new NewTopic("ord-secret", 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        acl("--add", "--allow-principal", "User:alice", "--consumer", "--topic", "orders", "--group", "regex848");
        Map<String, Object> config = consumerConfig("alice", "regex848");
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config);
             Admin operator = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers()))) {
            consumer.subscribe(new SubscriptionPattern("ord.*"));
            // What the coordinator assigned, as a super user sees it (the client would hide a topic it cannot describe).
            await().atMost(BOUND).ignoreExceptions().untilAsserted(() -> {
                consumer.poll(Duration.ofMillis(200));
                assertThat(operator.describeConsumerGroups(List.of("regex848")).all().get(30, TimeUnit.SECONDS)
                        .get("regex848").members().iterator().next().assignment().topicPartitions())
                        .containsExactly(new TopicPartition("orders", 0));
            });
        }
    }

    private static int members(Admin operator, String group) throws Exception {
        try {
            return operator.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group).members().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) return 0;
            throw e;
        }
    }

    @Test
    void aclsWrittenThroughAnyNodeReachEveryNode() throws Exception {
        Path secret = Files.writeString(dir.resolve("cluster.secret"), "acl-test-cluster-secret-0123456789\n");
        int[] plain = FreePorts.take(3);
        int[] quorum = FreePorts.take(3);
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            voters.append("    - {id: %d, host: 127.0.0.1, quorum.port: %d, kafka.port: %d}%n"
                    .formatted(i + 1, quorum[i], plain[i]));
        }
        List<WeirNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                nodes.add(WeirNode.start(NodeConfig.parse("""
                        node.id: %d
                        cluster.id: acl3
                        data.dir: %s
                        listeners:
                          kafka: PLAINTEXT://127.0.0.1:%d
                        coordination:
                          backend: ratis
                          voters:
                        %s
                        cluster.secret.file: %s
                        authorizer.class.name: acl
                        super.users: User:ANONYMOUS
                        """.formatted(i + 1, dir.resolve("node-" + (i + 1)), plain[i], voters, secret))));
            }
            for (WeirNode n : nodes) n.awaitReady(Duration.ofSeconds(60));
            WeirNode follower = await().atMost(BOUND).until(() -> nodes.stream()
                    .filter(n -> !n.controller().isActive()).findFirst().orElse(null), n -> n != null);
            try (RawKafkaClient raw = new RawKafkaClient(new InetSocketAddress("127.0.0.1", follower.kafkaPort("PLAINTEXT")))) {
                CreateAclsResponse created = (CreateAclsResponse) raw.roundTrip(ApiKeys.CREATE_ACLS, (short) 3, 1,
                        new CreateAclsRequestData().setCreations(List.of(CreateAclsRequest.aclCreation(
                                new org.apache.kafka.common.acl.AclBinding(
                                        new ResourcePattern(ResourceType.TOPIC, "shared", PatternType.LITERAL),
                                        new AccessControlEntry("User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW))))));
                assertThat(created.results()).extracting(r -> Errors.forCode(r.errorCode())).containsExactly(Errors.NONE);
            }
            for (WeirNode n : nodes) {
                await().atMost(BOUND).untilAsserted(() -> assertThat(describeAcls(n)).containsExactly("User:alice WRITE"));
            }
            try (RawKafkaClient raw = new RawKafkaClient(new InetSocketAddress("127.0.0.1", follower.kafkaPort("PLAINTEXT")))) {
                DeleteAclsResponse deleted = (DeleteAclsResponse) raw.roundTrip(ApiKeys.DELETE_ACLS, (short) 3, 2,
                        new DeleteAclsRequestData().setFilters(List.of(DeleteAclsRequest.deleteAclsFilter(AclBindingFilter.ANY))));
                assertThat(deleted.filterResults()).singleElement().satisfies(r -> assertThat(r.matchingAcls()).hasSize(1));
            }
            for (WeirNode n : nodes) {
                await().atMost(BOUND).untilAsserted(() -> assertThat(describeAcls(n)).isEmpty());
            }
        } finally {
            nodes.forEach(WeirNode::close);
        }
    }

    private static List<String> describeAcls(WeirNode n) throws Exception {
        try (RawKafkaClient raw = new RawKafkaClient(new InetSocketAddress("127.0.0.1", n.kafkaPort("PLAINTEXT")))) {
            DescribeAclsResponse described = (DescribeAclsResponse) raw.roundTrip(ApiKeys.DESCRIBE_ACLS, (short) 3, 3,
                    new DescribeAclsRequest.Builder(AclBindingFilter.ANY).build((short) 3).data());
            assertThat(Errors.forCode(described.data().errorCode())).isEqualTo(Errors.NONE);
            return DescribeAclsResponse.aclBindings(described.acls()).stream()
                    .map(b -> b.entry().principal() + " " + b.entry().operation()).toList();
        }
    }

    private String acl(String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", node.bootstrapServers()));
        all.addAll(List.of(args));
        KafkaTool run = KafkaTool.run(AclCommand::main, all.toArray(new String[0]));
        assertThat(run.exitCode()).as(run.errors()).isZero();
        return run.output();
    }

    private void produce(String user, String topic, String value) throws Exception {
        Map<String, Object> config = client(user);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e;
        }
    }

    private List<String> readAssigned(String user, String topic, int count) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(user, null))) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
            return poll(consumer, count);
        }
    }

    private List<String> readInGroup(String user, String topic, String group, int count) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(user, group))) {
            consumer.subscribe(List.of(topic));
            return poll(consumer, count);
        }
    }

    private static List<String> poll(KafkaConsumer<String, String> consumer, int count) {
        List<String> read = new ArrayList<>();
        long end = System.nanoTime() + BOUND.toNanos();
        while (read.size() < count && System.nanoTime() < end) {
            consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
        }
        return read;
    }

    private Map<String, Object> consumerConfig(String user, String group) {
        Map<String, Object> config = client(user);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        if (group != null) config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        return config;
    }

    private Map<String, Object> client(String user) {
        return new HashMap<>(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + node.kafkaPort("SASL_PLAINTEXT"),
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + user + "\" password=\"" + user + "-secret\";",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
    }
}
