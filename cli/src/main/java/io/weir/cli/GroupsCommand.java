package io.weir.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** {@code weir groups list|describe}, through the Kafka Admin client; classic and KIP-848 groups alike. */
@Command(mixinStandardHelpOptions = true, name = "groups", description = "List and describe consumer groups.",
        subcommands = {GroupsCommand.ListGroups.class, GroupsCommand.Describe.class})
final class GroupsCommand implements Runnable {
    private static final int TIMEOUT_S = 30;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List groups with their type and state.")
    static final class ListGroups implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() throws Exception {
            try (Admin admin = TopicsCommand.admin(client)) {
                List<GroupListing> groups = new ArrayList<>(admin.listGroups().all().get(TIMEOUT_S, TimeUnit.SECONDS));
                list(groups).forEach(System.out::println);
                return 0;
            }
        }
    }

    /** The lines of {@code groups list}: one per group, by group id. */
    static List<String> list(List<GroupListing> groups) {
        List<String> out = new ArrayList<>();
        out.add(String.format("%-30s %-10s %-20s %s", "GROUP", "TYPE", "STATE", "PROTOCOL"));
        groups.stream().sorted(Comparator.comparing(GroupListing::groupId)).forEach(g -> out.add(String.format(
                "%-30s %-10s %-20s %s", g.groupId(), g.type().map(Object::toString).orElse("-"),
                g.groupState().map(Object::toString).orElse("-"), g.protocol().isEmpty() ? "-" : g.protocol())));
        return out;
    }

    @Command(mixinStandardHelpOptions = true, name = "describe",
            description = "A group's state, members with their assignments, and committed offset, end and lag per partition.")
    static final class Describe implements Callable<Integer> {
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", description = "group id")
        String group;

        @Override
        public Integer call() throws Exception {
            try (Admin admin = TopicsCommand.admin(client)) {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all()
                        .get(TIMEOUT_S, TimeUnit.SECONDS).get(group);
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(TIMEOUT_S, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> wanted = new HashMap<>();
                committed.keySet().forEach(tp -> wanted.put(tp, OffsetSpec.latest()));
                d.members().forEach(m -> m.assignment().topicPartitions().forEach(tp -> wanted.put(tp, OffsetSpec.latest())));
                Map<TopicPartition, Long> ends = new HashMap<>();
                if (!wanted.isEmpty()) {
                    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> infos =
                            admin.listOffsets(wanted).all().get(TIMEOUT_S, TimeUnit.SECONDS);
                    infos.forEach((tp, info) -> ends.put(tp, info.offset()));
                }
                describe(d, committed, ends).forEach(System.out::println);
                return 0;
            }
        }
    }

    /**
     * The lines of {@code groups describe}: the group, its members with their partitions, and per
     * partition (assigned or with a committed offset) its committed offset, log end offset, lag
     * and owner. Pure, so a test checks the layout.
     */
    static List<String> describe(ConsumerGroupDescription d, Map<TopicPartition, OffsetAndMetadata> committed,
                                 Map<TopicPartition, Long> ends) {
        List<String> out = new ArrayList<>();
        out.add(String.format("Group: %s  Type: %s  State: %s  Coordinator: %s  Assignor: %s%s", d.groupId(), d.type(),
                d.groupState(), d.coordinator() == null ? "-" : d.coordinator().id(),
                d.partitionAssignor() == null || d.partitionAssignor().isEmpty() ? "-" : d.partitionAssignor(),
                d.groupEpoch().map(e -> "  Epoch: " + e).orElse("")));
        out.add("");
        out.add(String.format("%-50s %-12s %-20s %-16s %s", "MEMBER", "INSTANCE", "CLIENT", "HOST", "PARTITIONS"));
        Map<TopicPartition, String> owner = new HashMap<>();
        d.members().stream().sorted(Comparator.comparing(MemberDescription::consumerId)).forEach(m -> {
            m.assignment().topicPartitions().forEach(tp -> owner.put(tp, m.consumerId()));
            out.add(String.format("%-50s %-12s %-20s %-16s %s", m.consumerId(), m.groupInstanceId().orElse("-"),
                    m.clientId(), m.host(), partitions(m)));
        });
        out.add("");
        out.add(String.format("%-30s %-10s %-12s %-12s %-8s %s", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "MEMBER"));
        TreeSet<TopicPartition> all = new TreeSet<>(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition));
        all.addAll(committed.keySet());
        all.addAll(owner.keySet());
        for (TopicPartition tp : all) {
            OffsetAndMetadata c = committed.get(tp);
            Long end = ends.get(tp);
            out.add(String.format("%-30s %-10d %-12s %-12s %-8s %s", tp.topic(), tp.partition(),
                    c == null ? "-" : c.offset(), end == null ? "-" : end,
                    c == null || end == null ? "-" : Math.max(0, end - c.offset()), owner.getOrDefault(tp, "-")));
        }
        return out;
    }

    private static String partitions(MemberDescription m) {
        return m.assignment().topicPartitions().stream()
                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                .map(tp -> tp.topic() + "-" + tp.partition()).collect(Collectors.joining(","));
    }
}
