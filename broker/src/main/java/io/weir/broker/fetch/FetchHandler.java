package io.weir.broker.fetch;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.network.RateLimitedLog;
import io.weir.broker.network.ResponseMemory;
import io.weir.broker.security.acl.Authorization;
import io.weir.controller.acl.AclBinding.Operation;
import io.weir.controller.image.MetadataImage;
import io.weir.replication.FetchMemory;
import io.weir.replication.Partition;
import io.weir.replication.PartitionLookup;
import io.weir.replication.Purgatory;
import io.weir.replication.ReplicaManager;
import io.weir.broker.fetch.session.FetchContext;
import io.weir.broker.fetch.session.FetchSessionCache;
import io.weir.broker.fetch.session.FetchSessions;
import io.weir.broker.fetch.session.SessionPartition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Fetch: reads many partitions up to the request's byte limits and, when fewer than
 * {@code min.bytes} are available, parks the request until data arrives or
 * {@code max.wait.ms} passes (long poll).
 *
 * <p>Fetch sessions (KIP-227): a full request (session epoch 0) gets a session id if the node's
 * {@link FetchSessionCache} has or can make room; the fetcher's next requests then name only the
 * partitions whose fetch position changed, and the answers only the partitions with something
 * new (records, a moved high watermark or log start offset, an error). {@link FetchSessions}
 * decides, {@link FetchContext} shapes the answer; this handler reads, each pass within a
 * {@link ReadBudget} of time so that reopening many idle partitions' queues cannot hold an
 * answer past the fetcher's timeout.
 */
public final class FetchHandler implements ApiHandler<FetchRequest> {
    private static final Logger log = LoggerFactory.getLogger(FetchHandler.class);
    /** A read that fails the same way on every retry of a client is logged once per interval. */
    private final RateLimitedLog errors = new RateLimitedLog(log);
    private static final short FIRST_TOPIC_ID_VERSION = 13;

    private final Supplier<MetadataImage> image;
    private final ReplicaManager replicas;
    private final Authorization authorization;
    private final FetchSessions sessions;
    private final LongSupplier clockMs;

    public FetchHandler(Supplier<MetadataImage> image, ReplicaManager replicas) {
        this(image, replicas, Authorization.NONE);
    }

    /** Consumers need READ on each topic (TOPIC_AUTHORIZATION_FAILED per partition); replicas are members. */
    public FetchHandler(Supplier<MetadataImage> image, ReplicaManager replicas, Authorization authorization) {
        this(image, replicas, authorization, new FetchSessions(new FetchSessionCache(FetchSessionCache.DEFAULT_SLOTS,
                FetchSessionCache.DEFAULT_EVICTION_MS, new SplittableRandom())), System::currentTimeMillis);
    }

    /** With the node's fetch sessions and the clock that ages them. */
    public FetchHandler(Supplier<MetadataImage> image, ReplicaManager replicas, Authorization authorization,
                        FetchSessions sessions, LongSupplier clockMs) {
        this.image = image;
        this.replicas = replicas;
        this.authorization = authorization;
        this.sessions = sessions;
        this.clockMs = clockMs;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, FetchRequest request) {
        boolean byId = request.version() >= FIRST_TOPIC_ID_VERSION;
        FetchContext fetch = sessions.newContext(request.metadata(), byId, request.isFromFollower(),
                FetchSessions.fetchData(request.data(), byId), FetchSessions.forgotten(request.data(), byId), clockMs.getAsLong());
        if (fetch instanceof FetchContext.SessionError) {
            return CompletableFuture.completedFuture(
                    FetchResponse.of(fetch.respond(new LinkedHashMap<>(), clockMs.getAsLong())));
        }
        // Replica fetches come only from members (ClusterActionGuard), who may read everything.
        Predicate<String> readable = request.isFromFollower() ? topic -> true
                : authorization.topics(context, Operation.READ);
        // Records are read into the response's pooled direct memory when the connection gives one.
        ResponseMemory memory = ResponseMemory.of(context);
        Read first = read(request, fetch, true, readable, memory);
        if (first.satisfied(request)) return CompletableFuture.completedFuture(first.answer(fetch, memory));
        first.discard();

        CompletableFuture<AbstractResponse> result = new CompletableFuture<>();
        replicas.purgatory().park(new DelayedFetch(request, fetch, readable, memory, result), first.partitions,
                request.maxWait());
        return result;
    }

    /**
     * Re-reads on every change to its partitions; a follower's position was recorded on arrival.
     * Exactly one read answers (a forced completion can race a check after the purgatory closed);
     * every other read frees its memory at once. Synchronized: the purgatory's thread and a thread
     * that moved a high watermark or appended may check it at once, and its fetch session answers once.
     */
    private final class DelayedFetch implements Purgatory.DelayedOperation {
        private final FetchRequest request;
        private final FetchContext fetch;
        private final Predicate<String> readable;
        private final ResponseMemory memory;
        private final CompletableFuture<AbstractResponse> result;
        private final AtomicBoolean answered = new AtomicBoolean();

        DelayedFetch(FetchRequest request, FetchContext fetch, Predicate<String> readable, ResponseMemory memory,
                     CompletableFuture<AbstractResponse> result) {
            this.request = request;
            this.fetch = fetch;
            this.readable = readable;
            this.memory = memory;
            this.result = result;
        }

        @Override
        public synchronized boolean tryComplete() {
            if (answered.get()) return true;
            Read again = read(request, fetch, false, readable, memory);
            if (!again.satisfied(request)) {
                again.discard();
                return false;
            }
            answer(again);
            return true;
        }

        @Override
        public synchronized void forceComplete() {
            if (answered.get()) return;
            Read last;
            try {
                last = read(request, fetch, false, readable, memory);
            } catch (RuntimeException | Error e) {
                // Also an Error (no direct memory for the records, a faulted mapped read): the
                // request is answered with it, not left for ever in front of the connection's
                // later responses.
                if (answered.compareAndSet(false, true)) result.completeExceptionally(e);
                return;
            }
            answer(last);
        }

        private void answer(Read read) {
            if (!answered.compareAndSet(false, true)) {
                read.discard();
                return;
            }
            try {
                result.complete(read.answer(fetch, memory));
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        }

        /**
         * A follower waits for data at the log end (its check takes only partition locks, its
         * answer only the connection's, so an appender may answer it); a consumer for the HW.
         */
        @Override
        public Purgatory.WaitsFor waitsFor() {
            return request.isFromFollower() ? Purgatory.WaitsFor.DATA : Purgatory.WaitsFor.HIGH_WATERMARK;
        }
    }

    /** One pass over the requested partitions, its records in its own lease (or the heap). */
    private final class Read {
        final LinkedHashMap<SessionPartition, PartitionData> reads = new LinkedHashMap<>();
        final List<TopicPartition> partitions = new ArrayList<>();
        final ReadBudget budget;
        final ResponseMemory.Lease lease;
        long bytes;

        Read(ReadBudget budget, ResponseMemory.Lease lease) {
            this.budget = budget;
            this.lease = lease;
        }
        boolean anyError;

        boolean satisfied(FetchRequest request) {
            return request.maxWait() <= 0 || bytes >= request.minBytes() || anyError || partitions.isEmpty()
                    || budget.skippedAny();
        }

        FetchMemory memory() {
            return lease != null ? lease : FetchMemory.HEAP;
        }

        /** Frees the records of a read that does not answer. */
        void discard() {
            if (lease != null) lease.close();
        }

        /**
         * Shaped by the request's session; called once per request, for the read that answers: its
         * memory goes to the response (freed once the frame is written or dropped).
         */
        FetchResponse answer(FetchContext fetch, ResponseMemory memory) {
            FetchResponse response;
            try {
                response = FetchResponse.of(fetch.respond(reads, clockMs.getAsLong()));
            } catch (RuntimeException | Error e) {
                discard();
                throw e;
            }
            if (lease != null && !memory.attach(lease)) {
                throw new IllegalStateException("a fetch response was already sent; this read's records are freed");
            }
            return response;
        }
    }

    private Read read(FetchRequest request, FetchContext fetch, boolean firstRead, Predicate<String> readable,
                      ResponseMemory memory) {
        Read read = new Read(ReadBudget.start(request.maxWait(), clockMs.getAsLong()),
                memory == null ? null : memory.lease());
        try {
            readInto(read, request, fetch, firstRead, readable);
        } catch (RuntimeException | Error e) {
            read.discard();
            throw e;
        }
        return read;
    }

    private void readInto(Read read, FetchRequest request, FetchContext fetch, boolean firstRead,
                          Predicate<String> readable) {
        MetadataImage current = image.get();
        Follower follower = request.isFromFollower()
                ? new Follower(request.replicaId(), request.replicaEpoch(),
                        replicas.registeredBrokerEpoch(current, request.replicaId()), firstRead)
                : null;
        long remaining = Math.max(0, request.maxBytes());
        for (var entry : fetch.toRead().entrySet()) {
            SessionPartition key = entry.getKey();
            FetchRequestData.FetchPartition p = entry.getValue();
            PartitionLookup lookup = key.usesTopicId()
                    ? replicas.leaderPartition(current, key.topicId(), p.partition(), p.currentLeaderEpoch())
                    : replicas.leaderPartition(current, key.topic(), p.partition(), p.currentLeaderEpoch());
            PartitionData out;
            String name = key.usesTopicId() ? (lookup.ok() ? lookup.id().topic() : null) : key.topic();
            if (name != null && !readable.test(name)) {
                out = FetchResponse.partitionResponse(p.partition(), Errors.TOPIC_AUTHORIZATION_FAILED);
            } else if (!lookup.ok()) {
                out = FetchResponse.partitionResponse(p.partition(), lookup.error());
            } else {
                read.partitions.add(lookup.id().topicPartition());
                // Kafka's "min one message": the first partition with data may exceed the
                // limits so that a batch larger than max.bytes can still be consumed.
                // Past the time budget, no bytes: the partition is answered without opening its queue.
                boolean mayRead = read.budget.mayRead(clockMs.getAsLong());
                int limit = mayRead ? (int) Math.min(p.partitionMaxBytes(), remaining) : 0;
                out = readPartition(lookup, p, Math.max(limit, 0), mayRead && read.bytes == 0, follower,
                        read.memory());
                int size = FetchResponse.recordsSize(out);
                read.bytes += size;
                remaining = Math.max(0, remaining - size);
            }
            if (out.errorCode() != Errors.NONE.code()) read.anyError = true;
            read.reads.put(key, out);
        }
    }

    /** Who a replica fetch comes from, and whether this read records its position. */
    private record Follower(int replicaId, long replicaEpoch, long registeredEpoch, boolean recordPosition) {
    }

    /**
     * Reads one partition. A fetch that names the epoch its log ends in ({@code lastFetchedEpoch},
     * followers and current consumers) gets the diverging epoch instead of records when its log
     * has a tail this leader's log does not. A follower reads up to the LEO (its fetch offset is
     * its own LEO, which moves the high watermark), a consumer up to the HW.
     */
    private PartitionData readPartition(PartitionLookup lookup, FetchRequestData.FetchPartition p, int maxBytes,
                                        boolean minOneMessage, Follower follower, FetchMemory memory) {
        Partition partition = lookup.partition();
        try {
            Partition.ReadInfo read;
            if (follower == null) {
                read = partition.read(p.fetchOffset(), p.lastFetchedEpoch(), maxBytes, minOneMessage, memory);
            } else {
                // Over leader.replication.throttled.rate, a moving replica's fetch records its
                // position and gets no records, as Kafka's leader does.
                boolean throttled = replicas.leaderThrottled(partition, follower.replicaId());
                read = partition.fetchAsFollower(follower.replicaId(), follower.replicaEpoch(),
                        follower.registeredEpoch(), p.fetchOffset(), p.lastFetchedEpoch(), throttled ? 0 : maxBytes,
                        minOneMessage && !throttled, follower.recordPosition(), memory);
                if (read.records() != null) replicas.recordReplicaRead(partition, follower.replicaId(),
                        read.records().sizeInBytes());
            }
            PartitionData out = new PartitionData()
                    .setPartitionIndex(p.partition())
                    .setErrorCode(Errors.NONE.code())
                    .setHighWatermark(read.highWatermark())
                    .setLastStableOffset(read.highWatermark()) // no transactions: LSO = HW
                    .setLogStartOffset(read.logStartOffset())
                    .setRecords(read.records());
            read.divergingEpoch().ifPresent(d -> out.divergingEpoch().setEpoch(d.leaderEpoch()).setEndOffset(d.endOffset()));
            return out;
        } catch (ApiException e) {
            return new PartitionData()
                    .setPartitionIndex(p.partition())
                    .setErrorCode(Errors.forException(e).code())
                    .setHighWatermark(partition.highWatermark())
                    .setLastStableOffset(partition.highWatermark())
                    .setLogStartOffset(partition.logStartOffset())
                    .setRecords(MemoryRecords.EMPTY);
        } catch (RuntimeException e) {
            errors.log(Level.ERROR, "fetch " + lookup.id(), "Fetch from {} at offset {} failed", lookup.id(), p.fetchOffset(), e);
            return FetchResponse.partitionResponse(p.partition(), Errors.forException(e));
        }
    }
}
