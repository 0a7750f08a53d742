package io.weir.broker.produce;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.network.CloseConnectionException;
import io.weir.broker.replica.LeaderLookup;
import io.weir.broker.replica.Purgatory;
import io.weir.broker.replica.ReplicaManager;
import io.weir.broker.replica.Replication;
import io.weir.replication.LeaderState;
import io.weir.controller.image.MetadataImage;
import io.weir.storage.LogAppendInfo;
import io.weir.storage.PartitionLog;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Produce: validates and appends each partition's batches on its leader, per partition (one bad
 * partition does not fail the others; a bad batch writes nothing).
 *
 * <ul>
 *   <li>acks=0: no response; if any partition failed the connection is closed instead, as in
 *   Kafka, so the client refreshes its metadata.</li>
 *   <li>acks=1: answered after the leader's append.</li>
 *   <li>acks=all: refused with NOT_ENOUGH_REPLICAS (nothing written) while the ISR is smaller
 *   than {@code min.insync.replicas}; otherwise answered once the high watermark passes the
 *   appended batches, or with REQUEST_TIMED_OUT after the request's timeout. With the ISR being
 *   the leader alone that is at once; with followers, when the ISR has fetched past them.</li>
 * </ul>
 */
public final class ProduceHandler implements ApiHandler<ProduceRequest> {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);
    /** First version that names topics by id instead of by name. */
    private static final short FIRST_TOPIC_ID_VERSION = 13;

    private final ReplicaManager replicas;

    public ProduceHandler(ReplicaManager replicas) {
        this.replicas = replicas;
    }

    /** An appended partition whose acks=all answer waits for the high watermark. */
    private record Pending(PartitionProduceResponse response, PartitionLog log, TopicIdPartition partition,
                           int leaderEpoch, long requiredHw, int minInsyncReplicas) {
        boolean satisfied() {
            return log.highWatermark() >= requiredHw;
        }

        TopicPartition tp() {
            return partition.topicPartition();
        }
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, ProduceRequest request) {
        short acks = request.acks();
        short version = request.version();
        boolean byId = version >= FIRST_TOPIC_ID_VERSION;
        Errors requestError = Errors.NONE;
        if (acks != 0 && acks != 1 && acks != -1) {
            requestError = Errors.INVALID_REQUIRED_ACKS;
        } else if (request.transactionalId() != null) {
            // Transactions need the transaction coordinator, which Weir does not have yet.
            requestError = Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        }
        MetadataImage image = replicas.metadata().image();
        ProduceResponseData response = new ProduceResponseData();
        List<Pending> pending = new ArrayList<>();
        boolean anyError = false;
        for (ProduceRequestData.TopicProduceData topic : request.data().topicData()) {
            TopicProduceResponse topicResponse = new TopicProduceResponse();
            if (byId) topicResponse.setTopicId(topic.topicId());
            else topicResponse.setName(topic.name());
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                PartitionProduceResponse p = requestError != Errors.NONE
                        ? error(partition.index(), requestError, null)
                        : append(image, byId, acks, topic, partition, version, pending);
                anyError |= p.errorCode() != Errors.NONE.code();
                topicResponse.partitionResponses().add(p);
            }
            response.responses().add(topicResponse);
        }
        // The records were appended (or rejected); drop the references so the request is small
        // while it waits in the response queue.
        request.clearPartitionRecords();
        if (acks == 0) {
            return anyError
                    ? CompletableFuture.failedFuture(new CloseConnectionException("acks=0 produce failed"))
                    : CompletableFuture.completedFuture(null);
        }
        if (pending.stream().allMatch(this::acknowledged)) {
            return CompletableFuture.completedFuture(new ProduceResponse(response));
        }
        CompletableFuture<AbstractResponse> result = new CompletableFuture<>();
        replicas.purgatory().park(new DelayedProduce(pending, response, result),
                pending.stream().map(Pending::tp).toList(), Math.max(0, request.timeout()));
        return result;
    }

    private final class DelayedProduce implements Purgatory.DelayedOperation {
        private final List<Pending> pending;
        private final ProduceResponseData response;
        private final CompletableFuture<AbstractResponse> result;

        DelayedProduce(List<Pending> pending, ProduceResponseData response, CompletableFuture<AbstractResponse> result) {
            this.pending = pending;
            this.response = response;
            this.result = result;
        }

        @Override
        public synchronized boolean tryComplete() {
            if (result.isDone()) return true;
            // Like Kafka's DelayedProduce: each partition is done once the HW passes its write or
            // this node stops leading it (the write may then be truncated away: the client retries).
            boolean allDone = true;
            for (Pending p : pending) {
                if (acknowledged(p) || p.response().errorCode() != Errors.NONE.code()) continue;
                if (!replicas.isLeader(p.partition(), p.leaderEpoch())) {
                    p.response().setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
                } else {
                    allDone = false;
                }
            }
            if (!allDone) return false;
            result.complete(new ProduceResponse(response));
            return true;
        }

        @Override
        public synchronized void forceComplete() {
            if (result.isDone()) return;
            for (Pending p : pending) {
                if (!p.satisfied() && p.response().errorCode() == Errors.NONE.code()) {
                    p.response().setErrorCode(Errors.REQUEST_TIMED_OUT.code())
                            .setErrorMessage("the in-sync replicas did not acknowledge the write in time");
                }
            }
            result.complete(new ProduceResponse(response));
        }
    }

    private PartitionProduceResponse append(MetadataImage image, boolean byId, short acks,
                                            ProduceRequestData.TopicProduceData topic,
                                            ProduceRequestData.PartitionProduceData partition, short version,
                                            List<Pending> pending) {
        LeaderLookup leader = byId
                ? replicas.leaderFor(image, topic.topicId() == null ? Uuid.ZERO_UUID : topic.topicId(), partition.index(), -1)
                : replicas.leaderFor(image, topic.name(), partition.index(), -1);
        if (!leader.ok()) return error(partition.index(), leader.error(), null);
        if (acks == -1 && leader.isrSize() < leader.minInsyncReplicas()) {
            return error(partition.index(), Errors.NOT_ENOUGH_REPLICAS, "ISR has " + leader.isrSize()
                    + " replicas, min.insync.replicas is " + leader.minInsyncReplicas());
        }
        try {
            MemoryRecords records = (MemoryRecords) partition.records();
            if (records == null) return error(partition.index(), Errors.CORRUPT_MESSAGE, "no records");
            ProduceRequest.validateRecords(version, records);
            LogAppendInfo info = replicas.appendAsLeader(leader, records);
            PartitionProduceResponse ok = new PartitionProduceResponse()
                    .setIndex(partition.index())
                    .setErrorCode(Errors.NONE.code())
                    .setBaseOffset(info.firstOffset())
                    .setLogAppendTimeMs(info.logAppendTime())
                    .setLogStartOffset(leader.log().logStartOffset());
            if (acks == -1) {
                pending.add(new Pending(ok, leader.log(), leader.partition(), leader.leaderEpoch(), info.lastOffset() + 1,
                        leader.minInsyncReplicas()));
            }
            return ok;
        } catch (ApiException e) {
            log.debug("Produce to {} rejected: {}", leader.partition(), e.toString());
            return error(partition.index(), Errors.forException(e), e.getMessage());
        } catch (ClassCastException e) {
            return error(partition.index(), Errors.CORRUPT_MESSAGE, "records are not a memory record set");
        } catch (RuntimeException e) {
            log.error("Produce to {} failed", leader.partition(), e);
            return error(partition.index(), Errors.forException(e), null);
        }
    }

    /**
     * An acks=all write is acknowledged once the HW passes it. If the ISR shrank below
     * {@code min.insync.replicas} meanwhile, the answer is NOT_ENOUGH_REPLICAS_AFTER_APPEND
     * (the write is in the log, but fewer replicas than asked for have it), as in Kafka.
     */
    private boolean acknowledged(Pending p) {
        if (!p.satisfied()) return false;
        Replication replication = replicas.replication();
        if (replication != null && p.response().errorCode() == Errors.NONE.code()
                && replication.ackState(p.tp(), p.leaderEpoch(), p.requiredHw(), p.minInsyncReplicas())
                == LeaderState.AckState.NOT_ENOUGH_REPLICAS_AFTER_APPEND) {
            p.response().setErrorCode(Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND.code())
                    .setErrorMessage("the ISR shrank below min.insync.replicas before the write was acknowledged");
        }
        return true;
    }

    private static PartitionProduceResponse error(int index, Errors error, String message) {
        return new PartitionProduceResponse().setIndex(index).setErrorCode(error.code()).setErrorMessage(message)
                .setBaseOffset(ProduceResponse.INVALID_OFFSET).setLogAppendTimeMs(RecordBatch.NO_TIMESTAMP)
                .setLogStartOffset(ProduceResponse.INVALID_OFFSET);
    }
}
