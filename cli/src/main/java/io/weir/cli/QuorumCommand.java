package io.weir.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.Uuid;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code weir quorum status|add-voter|remove-voter}: the metadata quorum through the Kafka Admin
 * client (DescribeQuorum, AddRaftVoter, RemoveRaftVoter), so it works against any node.
 */
@Command(mixinStandardHelpOptions = true, name = "quorum",
        description = "Show the metadata quorum, or replace a voter (KIP-853).",
        subcommands = {QuorumCommand.Status.class, QuorumCommand.AddVoter.class, QuorumCommand.RemoveVoter.class})
final class QuorumCommand implements Runnable {
    private static final int TIMEOUT_S = 60;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(mixinStandardHelpOptions = true, name = "status",
            description = "Leader, epoch, high watermark, and each voter's and listener's log end offset and lag.")
    static final class Status implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() throws Exception {
            try (Admin admin = TopicsCommand.admin(client)) {
                QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get(TIMEOUT_S, TimeUnit.SECONDS);
                List<Member> members = new ArrayList<>();
                q.voters().forEach(v -> members.add(member(v, v.replicaId() == q.leaderId() ? "leader" : "voter")));
                q.observers().forEach(o -> members.add(member(o, "listener")));
                lines(q.leaderId(), q.leaderEpoch(), q.highWatermark(), members, System.currentTimeMillis())
                        .forEach(System.out::println);
                return 0;
            }
        }

        private static Member member(QuorumInfo.ReplicaState s, String role) {
            return new Member(s.replicaId(), role, s.logEndOffset(), s.lastFetchTimestamp());
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "add-voter",
            description = "Promote a node that is a listener of the quorum (a broker-only node) to voter.")
    static final class AddVoter implements Callable<Integer> {
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", description = "node id")
        int nodeId;

        @Override
        public Integer call() throws Exception {
            try (Admin admin = TopicsCommand.admin(client)) {
                return outcome(() -> admin.addRaftVoter(nodeId, Uuid.ZERO_UUID, java.util.Set.of()).all()
                        .get(TIMEOUT_S, TimeUnit.SECONDS), "node " + nodeId + " is a voter; restart it (weir cluster stop-node " + nodeId
                        + " and start-node " + nodeId + ") so that it campaigns and votes");
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "remove-voter",
            description = "Remove a voter (a dead one, typically) from the quorum; refused if no live majority would remain.")
    static final class RemoveVoter implements Callable<Integer> {
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", description = "node id")
        int nodeId;

        @Override
        public Integer call() throws Exception {
            try (Admin admin = TopicsCommand.admin(client)) {
                return outcome(() -> admin.removeRaftVoter(nodeId, Uuid.ZERO_UUID).all()
                        .get(TIMEOUT_S, TimeUnit.SECONDS), "node " + nodeId + " is no longer a voter");
            }
        }
    }

    private interface Change {
        void run() throws Exception;
    }

    /** Prints the refusal's message (the broker explains why) instead of a stack trace. */
    private static int outcome(Change change, String done) throws Exception {
        try {
            change.run();
            System.out.println(done);
            return 0;
        } catch (ExecutionException e) {
            System.err.println("refused: " + e.getCause().getMessage());
            return 1;
        }
    }

    /**
     * The voters of the running cluster's quorum (the replicated Raft configuration, which a
     * voter change updates and node files do not), or empty when no node answers, the backend
     * has no quorum, or {@code bootstrap} is empty.
     */
    static java.util.Optional<java.util.Set<Integer>> liveVoters(ClusterCommand.Layout layout, String bootstrap) {
        if (bootstrap.isEmpty()) return java.util.Optional.empty();
        try (Admin admin = NodeMembership.admin(layout, bootstrap)) {
            QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get(15, TimeUnit.SECONDS);
            return java.util.Optional.of(q.voters().stream().map(QuorumInfo.ReplicaState::replicaId)
                    .collect(java.util.stream.Collectors.toSet()));
        } catch (Exception e) {
            return java.util.Optional.empty();
        }
    }

    /** One member of the quorum as {@code quorum status} shows it. */
    record Member(int nodeId, String role, long logEndOffset, OptionalLong lastFetchMs) {
    }

    /** The lines of {@code quorum status}: a summary, then one row per member with its lag behind the leader. */
    static List<String> lines(int leaderId, long epoch, long highWatermark, List<Member> members, long nowMs) {
        long leaderEnd = members.stream().filter(m -> m.nodeId() == leaderId).mapToLong(Member::logEndOffset)
                .findFirst().orElse(highWatermark);
        List<String> out = new ArrayList<>();
        out.add("leader: " + leaderId + "  epoch: " + epoch + "  high watermark: " + highWatermark);
        out.add(String.format("%-8s %-9s %14s %8s %s", "NODE", "ROLE", "LOG-END", "LAG", "LAST-CONTACT"));
        for (Member m : members) {
            String lag = m.logEndOffset() < 0 ? "?" : Long.toString(Math.max(0, leaderEnd - m.logEndOffset()));
            String contact = m.role().equals("leader") ? "-"
                    : m.lastFetchMs().isEmpty() ? "never" : Math.max(0, nowMs - m.lastFetchMs().getAsLong()) + " ms ago";
            out.add(String.format("%-8d %-9s %14s %8s %s", m.nodeId(), m.role(),
                    m.logEndOffset() < 0 ? "?" : Long.toString(m.logEndOffset()), lag, contact));
        }
        return out;
    }
}
