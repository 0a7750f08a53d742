package io.weir.broker.produce;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.network.RateLimitedLog;
import io.weir.broker.network.CloseConnectionException;
import io.weir.controller.image.MetadataImage;
import io.weir.replication.Partition;
import io.weir.replication.PartitionLookup;
import io.weir.replication.RecordValidationException;
import io.weir.replication.ReplicaManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Produce: validates and appends each partition's batches on its leader, per partition (one bad
 * partition does not fail the others; a bad batch writes nothing; every partition of the
 * request gets its own answer).
 *
 * <ul>
 *   <li>acks=0: no response; if any partition failed the connection is closed instead, as in
 *   Kafka, so the client refreshes its metadata.</li>
 *   <li>acks=1: answered after the leader's append.</li>
 *   <li>acks=all: refused with NOT_ENOUGH_REPLICAS (nothing written) while the ISR is smaller
 *   than {@code min.insync.replicas}; otherwise answered once the high watermark passes the
 *   appended batches ({@link ReplicaManager#awaitAcks}), or with REQUEST_TIMED_OUT after the
 *   request's timeout.</li>
 * </ul>
 *
 * <p>Internal topics ({@code __consumer_offsets}) refuse client writes with
 * INVALID_TOPIC_EXCEPTION, as in Kafka: only the broker's own components write them.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequest> {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);
    /** An append that fails the same unexpected way on every retry is logged once per interval. */
    private static final RateLimitedLog ERRORS = new RateLimitedLog(log);
    /** First version that names topics by id instead of by name. */
    private static final short FIRST_TOPIC_ID_VERSION = 13;

    private final Supplier<MetadataImage> image;
    private final ReplicaManager replicas;
    private final io.weir.broker.security.acl.Authorization authorization;

    public ProduceHandler(Supplier<MetadataImage> image, ReplicaManager replicas) {
        this(image, replicas, io.weir.broker.security.acl.Authorization.NONE);
    }

    /** Each topic needs WRITE (TOPIC_AUTHORIZATION_FAILED per partition), as Kafka. */
    public ProduceHandler(Supplier<MetadataImage> image, ReplicaManager replicas,
                          io.weir.broker.security.acl.Authorization authorization) {
        this.image = image;
        this.replicas = replicas;
        this.authorization = authorization;
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
        MetadataImage current = image.get();
        java.util.function.Predicate<String> writable = authorization.topics(context,
                io.weir.controller.acl.AclBinding.Operation.WRITE);
        ProduceResponseData response = new ProduceResponseData();
        List<PartitionProduceResponse> waiting = new ArrayList<>();
        List<Partition.AppendResult> appends = new ArrayList<>();
        boolean anyError = false;
        for (ProduceRequestData.TopicProduceData topic : request.data().topicData()) {
            TopicProduceResponse topicResponse = new TopicProduceResponse();
            if (byId) topicResponse.setTopicId(topic.topicId());
            else topicResponse.setName(topic.name());
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                PartitionProduceResponse p;
                if (requestError != Errors.NONE) {
                    p = error(partition.index(), requestError, null);
                } else {
                    PartitionLookup lookup = lookup(current, byId, topic, partition.index());
                    String name = byId ? (lookup.ok() ? lookup.id().topic() : null) : topic.name();
                    if (name != null && !writable.test(name)) {
                        p = error(partition.index(), Errors.TOPIC_AUTHORIZATION_FAILED, null);
                    } else {
                        p = lookup.ok() ? append(lookup, partition.records(), acks, version, waiting, appends)
                                : error(partition.index(), lookup.error(), null);
                    }
                }
                anyError |= p.errorCode() != Errors.NONE.code();
                topicResponse.partitionResponses().add(p);
            }
            response.responses().add(topicResponse);
        }
        releaseRecords(request);
        if (acks == 0) {
            return anyError
                    ? CompletableFuture.failedFuture(new CloseConnectionException("acks=0 produce failed"))
                    : CompletableFuture.completedFuture(null);
        }
        if (appends.isEmpty()) {
            return CompletableFuture.completedFuture(new ProduceResponse(response));
        }
        return replicas.awaitAcks(appends, request.timeout()).thenApply(outcomes -> {
            for (int i = 0; i < outcomes.size(); i++) {
                Errors outcome = outcomes.get(i);
                if (outcome != Errors.NONE) {
                    waiting.get(i).setErrorCode(outcome.code()).setErrorMessage(ackMessage(outcome));
                }
            }
            return new ProduceResponse(response);
        });
    }

    /**
     * The records were appended (or rejected): drop them so the request is small while it waits
     * for acknowledgements. Only once every partition is answered, so that an error response
     * built from the request (if the handler fails half-way) still has what it needs; a
     * partition sent without records gets an empty set first, which Kafka's size accounting in
     * {@code clearPartitionRecords} can count.
     */
    private static void releaseRecords(ProduceRequest request) {
        for (ProduceRequestData.TopicProduceData topic : request.data().topicData()) {
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                if (partition.records() == null) partition.setRecords(MemoryRecords.EMPTY);
            }
        }
        request.clearPartitionRecords();
    }

    private PartitionLookup lookup(MetadataImage current, boolean byId, ProduceRequestData.TopicProduceData topic,
                                   int partition) {
        if (byId) {
            return replicas.leaderPartition(current, topic.topicId() == null ? Uuid.ZERO_UUID : topic.topicId(),
                    partition, -1);
        }
        return replicas.leaderPartition(current, topic.name(), partition, -1);
    }

    private static PartitionProduceResponse append(PartitionLookup lookup, BaseRecords records, short acks,
                                                   short version, List<PartitionProduceResponse> waiting,
                                                   List<Partition.AppendResult> appends) {
        int index = lookup.id().partition();
        if (Topic.isInternal(lookup.id().topic())) {
            return error(index, Errors.INVALID_TOPIC_EXCEPTION, "cannot append to internal topic " + lookup.id().topic());
        }
        if (!(records instanceof MemoryRecords memoryRecords)) {
            return error(index, Errors.CORRUPT_MESSAGE, records == null ? "no records" : "records are not a memory record set");
        }
        try {
            try {
                ProduceRequest.validateRecords(version, memoryRecords);
            } catch (ApiException e) {
                throw e;
            } catch (RuntimeException unparsable) {
                // kafka-clients' version checks iterate the batches and fail with unchecked
                // exceptions on malformed ones (a batch length near 2^31, an unknown codec);
                // storage's validation, next, refuses those with the exact Kafka error.
                log.debug("Produce to {}: version checks could not parse the records: {}", lookup.id(),
                        unparsable.toString());
            }
            Partition.AppendResult result = lookup.partition().appendAsLeader(memoryRecords, acks);
            PartitionProduceResponse ok = new PartitionProduceResponse()
                    .setIndex(index)
                    .setErrorCode(Errors.NONE.code())
                    .setBaseOffset(result.firstOffset())
                    .setLogAppendTimeMs(result.logAppendTime())
                    .setLogStartOffset(result.logStartOffset());
            if (acks == -1) {
                waiting.add(ok);
                appends.add(result);
            }
            return ok;
        } catch (RecordValidationException e) {
            log.debug("Produce to {} rejected: {}", lookup.id(), e.toString());
            return error(index, Errors.forException(e.invalidException()), e.getMessage())
                    .setRecordErrors(recordErrors(e.recordErrors()));
        } catch (ApiException e) {
            log.debug("Produce to {} rejected: {}", lookup.id(), e.toString());
            return error(index, Errors.forException(e), e.getMessage());
        } catch (RuntimeException e) {
            ERRORS.log(Level.ERROR, "produce " + lookup.id(), "Produce to {} failed", lookup.id(), e);
            return error(index, Errors.forException(e), null);
        }
    }

    private static String ackMessage(Errors outcome) {
        return switch (outcome) {
            case NOT_ENOUGH_REPLICAS_AFTER_APPEND -> "the ISR shrank below min.insync.replicas before the write was acknowledged";
            case REQUEST_TIMED_OUT -> "the in-sync replicas did not acknowledge the write in time";
            default -> null;
        };
    }

    /** The records a leader refused, by index in the batch: the producer fails exactly those with the error. */
    private static List<ProduceResponseData.BatchIndexAndErrorMessage> recordErrors(
            List<ProduceResponse.RecordError> records) {
        List<ProduceResponseData.BatchIndexAndErrorMessage> out = new ArrayList<>(records.size());
        for (ProduceResponse.RecordError r : records) {
            out.add(new ProduceResponseData.BatchIndexAndErrorMessage().setBatchIndex(r.batchIndex)
                    .setBatchIndexErrorMessage(r.message));
        }
        return out;
    }

    private static PartitionProduceResponse error(int index, Errors error, String message) {
        return new PartitionProduceResponse().setIndex(index).setErrorCode(error.code()).setErrorMessage(message)
                .setBaseOffset(ProduceResponse.INVALID_OFFSET).setLogAppendTimeMs(RecordBatch.NO_TIMESTAMP)
                .setLogStartOffset(ProduceResponse.INVALID_OFFSET);
    }
}
