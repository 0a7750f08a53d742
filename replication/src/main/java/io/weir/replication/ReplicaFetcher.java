package io.weir.replication;

import io.weir.storage.EpochEndOffset;
import io.weir.storage.LogClosedException;
import io.weir.storage.PartitionLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.FetchSessionHandler;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.utils.LogContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's fetcher for all partitions it follows from one leader broker: a thread that
 * sends replica Fetch requests (with the last fetched epoch, so the leader can point out a
 * diverging log), truncates where the logs diverged, appends what the leader returns with
 * its offsets and epochs, and follows the leader's high watermark.
 */
public final class ReplicaFetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    /** How long {@link #close} waits for the thread; it writes nothing after close either way. */
    private static final long CLOSE_JOIN_MS = 2_000;
    /** Pause when every fetchable partition is held back by the throttle. */
    private static final long THROTTLED_PAUSE_MS = 100;
    /** Weir's leaders serve Fetch up to this version (topic ids), which the session handler reads answers as. */
    private static final short FETCH_VERSION = org.apache.kafka.common.protocol.ApiKeys.FETCH.latestVersion();
    /** The leader lost or does not know our session: the handler has reset it, the next fetch is full. */
    private static final Set<Errors> SESSION_ERRORS = Set.of(Errors.FETCH_SESSION_ID_NOT_FOUND,
            Errors.INVALID_FETCH_SESSION_EPOCH, Errors.FETCH_SESSION_TOPIC_ID_ERROR);

    /**
     * A partition to follow: the local partition and the leader epoch the follower knows;
     * {@code throttled} when this replica is being added by a reassignment, so its copy counts
     * against the follower replication throttle.
     */
    public record Assignment(TopicPartition topicPartition, Uuid topicId, int leaderEpoch, Partition partition,
                             boolean throttled) {
        public Assignment(TopicPartition topicPartition, Uuid topicId, int leaderEpoch, Partition partition) {
            this(topicPartition, topicId, leaderEpoch, partition, false);
        }

        PartitionLog log() {
            return partition.log();
        }
    }

    /** What the host broker hears from a fetcher. */
    public interface Listener {
        /** Records were appended to, or the high watermark moved in, a follower log. */
        void onFollowerProgress(TopicPartition tp);

        /** The leader refused a partition (e.g. a newer or older leader epoch); the host should refresh it. */
        default void onPartitionError(TopicPartition tp, Errors error) {
        }
    }

    private final int localId;
    private final LongSupplier brokerEpoch;
    private final int leaderId;
    private final ReplicationConfig config;
    private final Listener listener;
    private final LongSupplier clockMs;
    private final ThrottleQuota throttle;
    /** In-sync partitions first, then least recently served first; this fetcher's thread only. */
    private final FetchOrder fetchOrder = new FetchOrder();
    private final BlockingKafkaClient client;
    private final Thread thread;
    private final Map<TopicPartition, Long> delayedUntil = new HashMap<>();
    /** Partitions whose log refused a write (full or failed data directory), logged once each. Guarded by lock. */
    private final Set<TopicPartition> storageFailed = new HashSet<>();
    private final Object lock = new Object();
    private Map<TopicPartition, Assignment> assignments = Map.of();
    private volatile boolean running = true;
    /**
     * The client side of this fetcher's fetch session with the leader (KIP-227, kafka-clients'
     * own): requests name only partitions whose position changed. This fetcher's thread only.
     */
    private FetchSessionHandler session = newSessionHandler();

    public ReplicaFetcher(int localId, LongSupplier brokerEpoch, int leaderId, InetSocketAddress leader,
            ReplicationConfig config, Listener listener, LongSupplier clockMs) {
        this(localId, brokerEpoch, leaderId, leader, config, listener, clockMs, InterBrokerSecurity.PLAINTEXT,
                ThrottleQuota.UNLIMITED);
    }

    /**
     * @param security how this follower reaches the leader and proves it is a cluster member (replica fetches need it)
     * @param throttle the broker's follower replication throttle, shared by its fetchers
     */
    public ReplicaFetcher(int localId, LongSupplier brokerEpoch, int leaderId, InetSocketAddress leader,
            ReplicationConfig config, Listener listener, LongSupplier clockMs, InterBrokerSecurity security,
            ThrottleQuota throttle) {
        this.throttle = throttle;
        this.localId = localId;
        this.brokerEpoch = brokerEpoch;
        this.leaderId = leaderId;
        this.config = config;
        this.listener = listener;
        this.clockMs = clockMs;
        this.client = new BlockingKafkaClient(leader, "weir-replica-fetcher-" + localId,
                config.fetchWaitMaxMs() + config.requestTimeoutMs(), config.fetchResponseMaxBytes() + (1 << 20), security);
        this.thread = new Thread(this::run, "replica-fetcher-" + localId + "-from-" + leaderId);
        this.thread.setDaemon(true);
    }

    public int leaderId() {
        return leaderId;
    }

    private FetchSessionHandler newSessionHandler() {
        return new FetchSessionHandler(new LogContext("[replica fetcher from " + leaderId + "] "), leaderId);
    }

    public InetSocketAddress leaderAddress() {
        return client.address();
    }

    public void start() {
        thread.start();
    }

    /** Replaces the set of partitions this fetcher follows. */
    public void assign(Map<TopicPartition, Assignment> newAssignments) {
        synchronized (lock) {
            assignments = Map.copyOf(newAssignments);
            delayedUntil.keySet().retainAll(newAssignments.keySet());
            lock.notifyAll();
        }
    }

    public Map<TopicPartition, Assignment> assignments() {
        synchronized (lock) {
            return assignments;
        }
    }

    /**
     * Stops fetching within a bounded time, whatever the leader does: no partition is written
     * by this fetcher once this returns (assignments are dropped under the lock that every
     * write holds), and the connection is closed first, so a read blocked on a frozen leader
     * fails at once instead of holding the caller (the metadata thread) for a request timeout.
     */
    @Override
    public void close() {
        running = false;
        synchronized (lock) {
            assignments = Map.of();
            lock.notifyAll();
        }
        client.close();
        thread.interrupt();
        try {
            thread.join(CLOSE_JOIN_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("Replica fetcher from broker {} did not stop within {} ms; it writes nothing more", leaderId,
                    CLOSE_JOIN_MS);
        }
    }

    private void run() {
        while (running) {
            try {
                Map<TopicPartition, Assignment> fetchable = awaitFetchable();
                if (fetchable.isEmpty()) {
                    continue;
                }
                fetchOnce(fetchable);
            } catch (IOException e) {
                session.handleError(e);
                if (running) {
                    log.info("Fetch from broker {} at {} failed: {}; retrying in {} ms", leaderId, client.address(),
                            e.toString(), config.fetchBackoffMs());
                    sleep(config.fetchBackoffMs());
                }
            } catch (RuntimeException | InternalError e) {
                // InternalError: a write into a memory-mapped page with no disk space behind it
                // (SIGBUS) surfaces at a later safepoint, in whatever this thread runs then; it
                // must not end the fetcher, or the partitions it follows never catch up again.
                // Whatever failed, the session's view of what the leader was told may be wrong
                // (an error inside FetchSessionHandler.build leaves it recording offsets never
                // sent, and the leader then serves a partition from an offset this log has passed,
                // for ever): the next fetch is a full one, as Kafka's fetcher does on any error.
                session.handleError(e);
                if (running) {
                    log.warn("Replica fetcher from broker {} hit an unexpected error; retrying in {} ms", leaderId,
                            config.fetchBackoffMs(), e);
                    sleep(config.fetchBackoffMs());
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Waits (bounded) until some assigned partition is not backing off. */
    private Map<TopicPartition, Assignment> awaitFetchable() throws InterruptedException {
        synchronized (lock) {
            long now = clockMs.getAsLong();
            Map<TopicPartition, Assignment> ready = new LinkedHashMap<>();
            long nextReady = Long.MAX_VALUE;
            for (Assignment a : assignments.values()) {
                long until = delayedUntil.getOrDefault(a.topicPartition(), 0L);
                if (until <= now) {
                    ready.put(a.topicPartition(), a);
                } else {
                    nextReady = Math.min(nextReady, until);
                }
            }
            if (ready.isEmpty()) {
                long wait = nextReady == Long.MAX_VALUE ? config.fetchBackoffMs() : Math.max(1, nextReady - now);
                lock.wait(Math.min(wait, config.fetchBackoffMs()));
            }
            return ready;
        }
    }

    private void fetchOnce(Map<TopicPartition, Assignment> fetchable) throws IOException, InterruptedException {
        Map<TopicPartition, FetchRequest.PartitionData> data = new LinkedHashMap<>();
        Map<Uuid, String> topicNames = new HashMap<>();
        // As Kafka's follower does: over the throttle, moving replicas are left out of the fetch.
        boolean overThrottle = throttle.exceeded(clockMs.getAsLong());
        for (Assignment a : fetchOrder.arrange(fetchable)) {
            if (a.throttled() && overThrottle) {
                continue;
            }
            PartitionLog pl = a.log();
            int lastEpoch = pl.latestEpoch();
            data.put(a.topicPartition(), new FetchRequest.PartitionData(a.topicId(), pl.logEndOffset(),
                    pl.logStartOffset(), config.fetchMaxBytes(), Optional.of(a.leaderEpoch()),
                    lastEpoch >= 0 ? Optional.of(lastEpoch) : Optional.empty()));
            topicNames.put(a.topicId(), a.topicPartition().topic());
        }
        if (data.isEmpty()) {
            Thread.sleep(THROTTLED_PAUSE_MS);
            return;
        }
        // A session lets the leader decide the order it reads partitions in (its own rotation),
        // but while a reassignment copies into this broker, in-sync partitions must come first
        // (FetchOrder): then each request is full and sessionless, in our order.
        boolean useSession = fetchable.values().stream().noneMatch(Assignment::throttled);
        FetchRequest.Builder request;
        if (useSession) {
            FetchSessionHandler.Builder builder = session.newBuilder(data.size(), false);
            data.forEach(builder::add);
            FetchSessionHandler.FetchRequestData next = builder.build();
            request = FetchRequest.Builder
                    .forReplica(FETCH_VERSION, localId, brokerEpoch.getAsLong(), config.fetchWaitMaxMs(),
                            config.fetchMinBytes(), next.toSend())
                    .removed(next.toForget()).replaced(next.toReplace()).metadata(next.metadata());
        } else {
            // Closes this fetcher's session on the leader, if it has one.
            FetchMetadata sessionless = session.sessionId() == FetchMetadata.INVALID_SESSION_ID ? FetchMetadata.LEGACY
                    : new FetchMetadata(session.sessionId(), FetchMetadata.FINAL_EPOCH);
            session = newSessionHandler();
            request = FetchRequest.Builder
                    .forReplica(FETCH_VERSION, localId, brokerEpoch.getAsLong(), config.fetchWaitMaxMs(),
                            config.fetchMinBytes(), data)
                    .metadata(sessionless);
        }
        request.setMaxBytes(config.fetchResponseMaxBytes());
        FetchResponse response;
        try {
            response = (FetchResponse) client.send(request);
        } catch (IOException | RuntimeException e) {
            session.handleError(e);
            throw e;
        }
        if (useSession && !session.handleResponse(response, FETCH_VERSION)) {
            if (SESSION_ERRORS.contains(response.error())) {
                log.debug("Fetch session with broker {} lost ({}); the next fetch is full", leaderId, response.error());
                return;
            }
            throw new IOException("Fetch failed at the leader: " + (response.error() != Errors.NONE ? response.error()
                    : "partitions the session does not hold"));
        }
        if (response.error() != Errors.NONE) {
            throw new IOException("Fetch failed at the leader: " + response.error());
        }
        if (useSession) topicNames.putAll(session.sessionTopicNames());
        for (FetchResponseData.FetchableTopicResponse topic : response.data().responses()) {
            String name = topic.topic() == null || topic.topic().isEmpty() ? topicNames.get(topic.topicId())
                    : topic.topic();
            for (FetchResponseData.PartitionData p : topic.partitions()) {
                Assignment a = name == null ? null : fetchable.get(new TopicPartition(name, p.partitionIndex()));
                if (a != null && p.records() != null && p.records().sizeInBytes() > 0) {
                    if (a.throttled()) throttle.record(p.records().sizeInBytes(), clockMs.getAsLong());
                    fetchOrder.served(a.topicPartition());
                }
                if (a == null) continue;
                try {
                    handlePartition(a, p);
                } catch (LogClosedException e) {
                    // The partition left this node (its topic was deleted, or a reassignment moved it)
                    // and the next assignment drops it; the session and the other partitions go on.
                    log.debug("{}: the log was closed; the partition left this node", a.topicPartition());
                }
            }
        }
    }

    /** Caller holds {@code lock}: {@link #assign} waits for a write to a partition to finish. */
    private boolean stillAssigned(Assignment a) {
        return a.equals(assignments.get(a.topicPartition()));
    }

    private void handlePartition(Assignment a, FetchResponseData.PartitionData p) throws IOException {
        FollowerFetchDecision.Action action;
        synchronized (lock) {
            if (!stillAssigned(a)) {
                return;
            }
            PartitionLog pl = a.log();
            Optional<EpochEndOffset> diverging = FetchResponse.divergingEpoch(p)
                    .map(d -> new EpochEndOffset(d.epoch(), d.endOffset()));
            Errors error = Errors.forCode(p.errorCode());
            MemoryRecords records = error == Errors.NONE && diverging.isEmpty()
                    ? (MemoryRecords) FetchResponse.recordsOrFail(p) : MemoryRecords.EMPTY;
            action = FollowerFetchDecision.onFetched(error, diverging, records, p.highWatermark(),
                    new FollowerFetchDecision.LocalLog(pl.logEndOffset(), pl.highWatermark(), pl::endOffsetForEpoch));
            if (!(action instanceof FollowerFetchDecision.FetchLeaderRange)) {
                apply(a, action);
                if (action instanceof FollowerFetchDecision.Append) {
                    followLogStartOffset(a, p.logStartOffset());
                }
                return;
            }
        }
        // Outside the lock: two round trips to the leader.
        long leaderStart = listOffset(a, ListOffsetsRequest.EARLIEST_TIMESTAMP);
        long leaderEnd = listOffset(a, ListOffsetsRequest.LATEST_TIMESTAMP);
        synchronized (lock) {
            if (stillAssigned(a)) {
                apply(a, FollowerFetchDecision.onLeaderRange(a.log().logEndOffset(), leaderStart, leaderEnd));
            }
        }
    }

    /**
     * Moves the follower's log start offset up to the leader's (records deleted with
     * DeleteRecords), never past what the follower knows is committed; caller holds {@code lock}.
     */
    private void followLogStartOffset(Assignment a, long leaderLogStartOffset) {
        PartitionLog pl = a.log();
        long target = Math.min(leaderLogStartOffset, pl.highWatermark());
        if (target > pl.logStartOffset()) {
            pl.advanceLogStartOffset(target);
        }
    }

    /**
     * Carries out a decision on the follower's log; caller holds {@code lock} and checked the
     * assignment. A log that cannot be written (its data directory is full or failed) is fetched
     * again after the backoff, logged once until it can be written again; the leader meanwhile
     * drops this replica from the ISR if it stays behind.
     */
    private void apply(Assignment a, FollowerFetchDecision.Action action) {
        TopicPartition tp = a.topicPartition();
        try {
            applyToLog(a, action);
        } catch (KafkaStorageException e) {
            delayedUntil.put(tp, clockMs.getAsLong() + config.fetchBackoffMs());
            if (storageFailed.add(tp)) {
                log.warn("{}: cannot write the follower log ({}); fetching it again every {} ms until it can",
                        tp, e.getMessage(), config.fetchBackoffMs());
            }
            return;
        }
        if (!(action instanceof FollowerFetchDecision.Backoff) && storageFailed.remove(tp)) {
            log.info("{}: the follower log takes writes again", tp);
        }
    }

    private void applyToLog(Assignment a, FollowerFetchDecision.Action action) {
        TopicPartition tp = a.topicPartition();
        PartitionLog pl = a.log();
        if (action instanceof FollowerFetchDecision.Truncate t) {
            log.info("{}: truncating to {} (LEO {}) to follow leader {}", tp, t.offset(), pl.logEndOffset(), leaderId);
            pl.truncateTo(t.offset());
        } else if (action instanceof FollowerFetchDecision.StartOver s) {
            log.info("{}: leader {} log starts at {} past local LEO {}; starting over there", tp, leaderId,
                    s.offset(), pl.logEndOffset());
            pl.truncateFullyAndStartAt(s.offset());
        } else if (action instanceof FollowerFetchDecision.Append append) {
            if (append.records().sizeInBytes() > 0) {
                pl.appendAsFollower(append.records());
            }
            if (append.leaderHighWatermark() >= 0) {
                a.partition().updateFollowerHighWatermark(append.leaderHighWatermark());
            }
        } else if (action instanceof FollowerFetchDecision.Backoff b) {
            log.debug("{}: leader {} answered {}; backing off", tp, leaderId, b.error());
            delayedUntil.put(tp, clockMs.getAsLong() + config.fetchBackoffMs());
            if (b.error() != Errors.OFFSET_OUT_OF_RANGE) {
                listener.onPartitionError(tp, b.error());
            }
            return;
        } else {
            throw new IllegalStateException("not an action on the log: " + action);
        }
        listener.onFollowerProgress(tp);
    }

    private long listOffset(Assignment a, long timestamp) throws IOException {
        ListOffsetsRequest.Builder builder = ListOffsetsRequest.Builder
                .forReplica(org.apache.kafka.common.protocol.ApiKeys.LIST_OFFSETS.latestVersion(), localId)
                .setTargetTimes(List.of(new ListOffsetsTopic().setName(a.topicPartition().topic())
                        .setPartitions(List.of(new ListOffsetsPartition()
                                .setPartitionIndex(a.topicPartition().partition())
                                .setCurrentLeaderEpoch(a.leaderEpoch())
                                .setTimestamp(timestamp)))));
        ListOffsetsResponse response = (ListOffsetsResponse) client.send(builder);
        for (ListOffsetsTopicResponse t : response.data().topics()) {
            for (ListOffsetsPartitionResponse p : t.partitions()) {
                if (p.partitionIndex() == a.topicPartition().partition() && p.errorCode() == 0) {
                    return p.offset();
                }
            }
        }
        return -1;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
