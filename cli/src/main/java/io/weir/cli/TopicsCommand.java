package io.weir.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** {@code weir topics create|list|describe|delete}, through the Kafka Admin client. */
@Command(mixinStandardHelpOptions = true, name = "topics", description = "Create, list, describe and delete topics.",
        subcommands = {TopicsCommand.Create.class, TopicsCommand.ListTopics.class,
                TopicsCommand.Describe.class, TopicsCommand.Delete.class})
final class TopicsCommand implements Runnable {
    private static final int TIMEOUT_S = 30;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static Admin admin(ClientOptions client) throws java.io.IOException {
        return Admin.create(client.config(Map.of(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_S * 1000)));
    }

    @Command(mixinStandardHelpOptions = true, name = "create", description = "Create a topic.")
    static final class Create implements Callable<Integer> {
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", description = "topic name")
        String topic;
        @Option(names = {"--partitions", "-p"}, defaultValue = "1")
        int partitions;
        @Option(names = {"--replication-factor", "-r"}, defaultValue = "1")
        short replicationFactor;
        @Option(names = {"--config", "-c"}, description = "topic config key=value (repeatable)")
        Map<String, String> configs = Map.of();

        @Override
        public Integer call() throws Exception {
            try (Admin admin = admin(client)) {
                admin.createTopics(List.of(new NewTopic(topic, partitions, replicationFactor).configs(configs)))
                        .all().get(TIMEOUT_S, TimeUnit.SECONDS);
                System.out.println("Created topic " + topic);
                return 0;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List topics.")
    static final class ListTopics implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() throws Exception {
            try (Admin admin = admin(client)) {
                new TreeSet<>(admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS)).forEach(System.out::println);
                return 0;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "describe", description = "Describe a topic's partitions.")
    static final class Describe implements Callable<Integer> {
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", description = "topic name")
        String topic;

        @Override
        public Integer call() throws Exception {
            try (Admin admin = admin(client)) {
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(TIMEOUT_S, TimeUnit.SECONDS).get(topic);
                System.out.printf("Topic: %s\tTopicId: %s\tPartitions: %d%n", d.name(), d.topicId(), d.partitions().size());
                for (TopicPartitionInfo p : d.partitions()) {
                    System.out.printf("\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s%n", p.partition(),
                            p.leader() == null ? "none" : p.leader().id(), ids(p.replicas()), ids(p.isr()));
                }
                return 0;
            }
        }

        private static String ids(List<Node> nodes) {
            return nodes.stream().map(n -> Integer.toString(n.id())).collect(Collectors.joining(","));
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "delete", description = "Delete a topic.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", description = "topic name")
        String topic;

        @Override
        public Integer call() throws Exception {
            try (Admin admin = admin(client)) {
                admin.deleteTopics(List.of(topic)).all().get(TIMEOUT_S, TimeUnit.SECONDS);
                System.out.println("Deleted topic " + topic);
                return 0;
            }
        }
    }
}
