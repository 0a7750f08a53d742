package io.weir.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What each broker holds, as {@code cluster status} shows it: replicas and leaderships over every
 * topic (internal ones included) and the bytes of its log directory (DescribeLogDirs). Empty when
 * the cluster cannot be asked.
 */
final class NodeLoad {
    private final Map<Integer, Integer> replicas = new HashMap<>();
    private final Map<Integer, Integer> leaders = new HashMap<>();
    private final Map<Integer, Long> bytes = new HashMap<>();
    private final boolean known;

    private NodeLoad(boolean known) {
        this.known = known;
    }

    static NodeLoad read(ClusterCommand.Layout layout, String bootstrap, List<Integer> brokers) {
        if (bootstrap.isEmpty()) return new NodeLoad(false);
        NodeLoad load = new NodeLoad(true);
        try (Admin admin = NodeMembership.admin(layout, bootstrap)) {
            var names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(10, TimeUnit.SECONDS);
            for (TopicDescription t : admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
                for (TopicPartitionInfo p : t.partitions()) {
                    p.replicas().forEach(n -> load.replicas.merge(n.id(), 1, Integer::sum));
                    if (p.leader() != null) load.leaders.merge(p.leader().id(), 1, Integer::sum);
                }
            }
            Map<Integer, Map<String, LogDirDescription>> dirs =
                    admin.describeLogDirs(brokers).allDescriptions().get(10, TimeUnit.SECONDS);
            dirs.forEach((broker, byDir) -> load.bytes.put(broker, byDir.values().stream()
                    .flatMap(d -> d.replicaInfos().values().stream()).mapToLong(ReplicaInfo::size).sum()));
            return load;
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            return load.replicas.isEmpty() ? new NodeLoad(false) : load;
        }
    }

    /** {@code replicas \t leaders \t bytes} of a broker, dashes when unknown. */
    String describe(int broker) {
        if (!known) return "-\t-\t-";
        Long b = bytes.get(broker);
        return replicas.getOrDefault(broker, 0) + "\t" + leaders.getOrDefault(broker, 0) + "\t"
                + (b == null ? "-" : b.toString());
    }
}
