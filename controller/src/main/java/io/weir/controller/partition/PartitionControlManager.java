package io.weir.controller.partition;

import io.weir.controller.ApiError;
import io.weir.controller.ApiStatus;
import io.weir.controller.ControllerResult;
import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.PartitionRegistration;
import io.weir.controller.image.TopicImage;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.PartitionChangeRecord;
import io.weir.controller.record.PartitionRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;

/** ISR changes requested by partition leaders (AlterPartition) and ElectLeaders. */
public final class PartitionControlManager {
    /** Brokers whose data directory takes no appends: they cannot join an ISR. */
    private final IntPredicate logDirOffline;

    public PartitionControlManager() {
        this(id -> false);
    }

    /** @param logDirOffline whether a broker's data directory is offline (see {@code BrokerHeartbeatTracker}) */
    public PartitionControlManager(IntPredicate logDirOffline) {
        this.logDirOffline = logDirOffline;
    }

    public ControllerResult<List<AlterPartitionReply>> alterPartitions(
        MetadataImage image, List<AlterPartitionRequest> requests) {
        List<MetadataRecord> records = new ArrayList<>();
        List<AlterPartitionReply> replies = new ArrayList<>();
        MetadataImage working = image;
        for (AlterPartitionRequest r : requests) {
            ControllerResult<AlterPartitionReply> one = alterPartition(working, r);
            replies.add(one.response());
            if (!one.records().isEmpty()) {
                records.addAll(one.records());
                working = working.apply(working.offset(), one.records());
            }
        }
        return ControllerResult.of(records, replies);
    }

    public ControllerResult<AlterPartitionReply> alterPartition(MetadataImage image,
                                                                AlterPartitionRequest r) {
        Optional<BrokerRegistration> broker = image.broker(r.brokerId());
        if (broker.isEmpty() || broker.get().epoch() != r.brokerEpoch()) {
            return fail(ApiError.STALE_BROKER_EPOCH, "broker " + r.brokerId() + " epoch "
                + r.brokerEpoch() + " is not current");
        }
        Optional<TopicImage> topic = image.topic(r.topicId());
        if (topic.isEmpty()) {
            return fail(ApiError.UNKNOWN_TOPIC_ID, "unknown topic id " + r.topicId());
        }
        PartitionRegistration p = topic.get().partition(r.partition());
        if (p == null) {
            return fail(ApiError.UNKNOWN_TOPIC_OR_PARTITION, "unknown partition " + r.partition());
        }
        if (p.leader() != r.brokerId()) {
            return failWith(ApiError.NOT_LEADER_OR_FOLLOWER, "broker " + r.brokerId()
                + " does not lead this partition", p);
        }
        if (r.leaderEpoch() != p.leaderEpoch()) {
            return failWith(ApiError.FENCED_LEADER_EPOCH, "leader epoch " + r.leaderEpoch()
                + " is not " + p.leaderEpoch(), p);
        }
        if (r.partitionEpoch() != p.partitionEpoch()) {
            return failWith(ApiError.INVALID_UPDATE_VERSION, "partition epoch "
                + r.partitionEpoch() + " is not " + p.partitionEpoch(), p);
        }
        List<Integer> isr = r.newIsr();
        if (!isr.contains(r.brokerId()) || !p.replicas().containsAll(isr)
            || new HashSet<>(isr).size() != isr.size()) {
            return failWith(ApiError.INVALID_REQUEST, "new isr " + isr
                + " must hold the leader and only distinct replicas of " + p.replicas(), p);
        }
        for (int replica : isr) {
            if (!p.isr().contains(replica) && !image.isLive(replica)) {
                return failWith(ApiError.INELIGIBLE_REPLICA, "replica " + replica
                    + " is fenced or unregistered and cannot join the isr", p);
            }
            if (!p.isr().contains(replica) && logDirOffline.test(replica)) {
                return failWith(ApiError.INELIGIBLE_REPLICA, "replica " + replica
                    + " has its log directory offline and cannot join the isr", p);
            }
        }
        PartitionChangeBuilder builder = new PartitionChangeBuilder(r.topicId(), r.partition(), p);
        if (p.isReassigning()) {
            Reassignments.State s = Reassignments.maybeComplete(new Reassignments.State(
                p.replicas(), isr, p.addingReplicas(), p.removingReplicas(), p.leader()),
                image::isLive);
            s.applyTo(builder);
        } else {
            builder.isr(isr);
        }
        Optional<PartitionChangeRecord> change = builder.build();
        if (change.isEmpty()) {
            return ControllerResult.noChange(reply(p));
        }
        PartitionChangeRecord c = change.get();
        return ControllerResult.of(List.of(c), new AlterPartitionReply(ApiStatus.OK,
            c.leader() == null ? p.leader() : c.leader(), c.leaderEpoch(),
            c.isr() == null ? p.isr() : c.isr(), c.partitionEpoch()));
    }

    /**
     * AlterPartitionReassignments: an empty target cancels the partition's reassignment.
     * Replaces an ongoing reassignment, as Kafka does.
     */
    public ControllerResult<Map<TopicPartitionName, ApiStatus>> alterPartitionReassignments(
        MetadataImage image, Map<TopicPartitionName, Optional<List<Integer>>> targets) {
        List<MetadataRecord> records = new ArrayList<>();
        Map<TopicPartitionName, ApiStatus> results = new LinkedHashMap<>();
        targets.forEach((tp, target) -> {
            Optional<TopicImage> topic = image.topic(tp.topic());
            PartitionRegistration p = topic.map(t -> t.partition(tp.partition())).orElse(null);
            if (p == null) {
                results.put(tp, ApiStatus.of(ApiError.UNKNOWN_TOPIC_OR_PARTITION, null));
                return;
            }
            Reassignments.State next;
            if (target.isEmpty()) {
                if (!p.isReassigning()) {
                    results.put(tp, ApiStatus.of(ApiError.NO_REASSIGNMENT_IN_PROGRESS, null));
                    return;
                }
                next = Reassignments.cancel(p, image::isLive);
            } else {
                List<Integer> replicas = target.get();
                if (replicas.isEmpty() || new HashSet<>(replicas).size() != replicas.size()
                    || !replicas.stream().allMatch(b -> image.broker(b).isPresent())) {
                    results.put(tp, ApiStatus.of(ApiError.INVALID_REPLICA_ASSIGNMENT,
                        "target " + replicas + " must be distinct registered brokers"));
                    return;
                }
                next = Reassignments.start(p, replicas, image::isLive);
            }
            if (next == null) {
                results.put(tp, ApiStatus.of(ApiError.INVALID_REPLICA_ASSIGNMENT,
                    "no in-sync replica would remain"));
                return;
            }
            next.applyTo(new PartitionChangeBuilder(topic.get().id(), tp.partition(), p)).build()
                .ifPresent(records::add);
            results.put(tp, ApiStatus.OK);
        });
        return ControllerResult.of(records, results);
    }

    /** ListPartitionReassignments, read from the image: partition to (replicas, adding, removing). */
    public static Map<TopicPartitionName, PartitionRegistration> ongoingReassignments(
        MetadataImage image) {
        Map<TopicPartitionName, PartitionRegistration> out = new LinkedHashMap<>();
        BrokerLivenessChanges.forEachPartition(image, (t, index, p) -> {
            if (p.isReassigning()) {
                out.put(new TopicPartitionName(t.name(), index), p);
            }
        });
        return out;
    }

    /**
     * ElectLeaders. PREFERRED moves leadership to the preferred replica when it is a live ISR
     * member; UNCLEAN elects a live replica for leaderless partitions even outside the ISR.
     *
     * @param partitions the partitions to elect, or null for every partition
     */
    public ControllerResult<Map<TopicPartitionName, ApiStatus>> electLeaders(
        MetadataImage image, ElectionType type, List<TopicPartitionName> partitions) {
        List<TopicPartitionName> targets = partitions != null ? partitions : allPartitions(image);
        List<MetadataRecord> records = new ArrayList<>();
        Map<TopicPartitionName, ApiStatus> results = new LinkedHashMap<>();
        for (TopicPartitionName tp : targets) {
            Optional<TopicImage> topic = image.topic(tp.topic());
            PartitionRegistration p = topic.map(t -> t.partition(tp.partition())).orElse(null);
            if (p == null) {
                results.put(tp, ApiStatus.of(ApiError.UNKNOWN_TOPIC_OR_PARTITION, null));
                continue;
            }
            PartitionChangeBuilder builder =
                new PartitionChangeBuilder(topic.get().id(), tp.partition(), p);
            ApiStatus status;
            if (type == ElectionType.PREFERRED) {
                int preferred = p.preferredLeader();
                if (p.leader() == preferred) {
                    status = ApiStatus.of(ApiError.ELECTION_NOT_NEEDED, null);
                } else if (p.isr().contains(preferred) && image.isLive(preferred)) {
                    builder.leader(preferred);
                    status = ApiStatus.OK;
                } else {
                    status = ApiStatus.of(ApiError.PREFERRED_LEADER_NOT_AVAILABLE, null);
                }
            } else {
                if (p.hasLeader() && image.isLive(p.leader())) {
                    status = ApiStatus.of(ApiError.ELECTION_NOT_NEEDED, null);
                } else {
                    int leader = LeaderElection.clean(p.replicas(), p.isr(), image::isLive);
                    List<Integer> isr = p.isr();
                    if (leader == PartitionRecord.NO_LEADER) {
                        leader = LeaderElection.unclean(p.replicas(), image::isLive);
                        isr = leader == PartitionRecord.NO_LEADER ? isr : List.of(leader);
                    }
                    if (leader == PartitionRecord.NO_LEADER) {
                        status = ApiStatus.of(ApiError.ELIGIBLE_LEADERS_NOT_AVAILABLE, null);
                    } else {
                        builder.isr(isr).leader(leader);
                        status = ApiStatus.OK;
                    }
                }
            }
            builder.build().ifPresent(records::add);
            results.put(tp, status);
        }
        return ControllerResult.of(records, results);
    }

    private static List<TopicPartitionName> allPartitions(MetadataImage image) {
        List<TopicPartitionName> all = new ArrayList<>();
        BrokerLivenessChanges.forEachPartition(image,
            (t, index, p) -> all.add(new TopicPartitionName(t.name(), index)));
        return all;
    }

    private static AlterPartitionReply reply(PartitionRegistration p) {
        return new AlterPartitionReply(ApiStatus.OK, p.leader(), p.leaderEpoch(), p.isr(),
            p.partitionEpoch());
    }

    private static ControllerResult<AlterPartitionReply> fail(ApiError error, String message) {
        return ControllerResult.noChange(AlterPartitionReply.error(ApiStatus.of(error, message)));
    }

    private static ControllerResult<AlterPartitionReply> failWith(ApiError error, String message,
                                                                  PartitionRegistration p) {
        return ControllerResult.noChange(new AlterPartitionReply(ApiStatus.of(error, message),
            p.leader(), p.leaderEpoch(), p.isr(), p.partitionEpoch()));
    }
}
