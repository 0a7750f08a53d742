package io.weir.broker.produce;

import io.weir.broker.api.ApiHandler;
import io.weir.broker.network.CloseConnectionException;
import io.weir.broker.replica.LeaderLookup;
import io.weir.broker.replica.ReplicaManager;
import io.weir.controller.image.MetadataImage;
import io.weir.storage.LogAppendInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;

/**
 * Produce: validates and appends each partition's batches on its leader, per partition (one bad
 * partition does not fail the others; a bad batch writes nothing).
 *
 * <p>acks=0 gets no response; if any partition failed the connection is closed instead, as in
 * Kafka, so the client refreshes metadata. acks=1 answers after the leader's append. acks=all
 * currently answers like acks=1: the ISR is the leader alone until the replication module adds
 * followers and delayed produce, and then it must wait for the high watermark.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequest> {
    private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);
    /** First version that names topics by id instead of by name. */
    private static final short FIRST_TOPIC_ID_VERSION = 13;

    private final ReplicaManager replicas;

    public ProduceHandler(ReplicaManager replicas) {
        this.replicas = replicas;
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
        boolean anyError = false;
        for (ProduceRequestData.TopicProduceData topic : request.data().topicData()) {
            TopicProduceResponse topicResponse = new TopicProduceResponse();
            if (byId) topicResponse.setTopicId(topic.topicId());
            else topicResponse.setName(topic.name());
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                PartitionProduceResponse p = requestError != Errors.NONE
                        ? error(partition.index(), requestError, null)
                        : append(image, byId, topic, partition, version);
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
        return CompletableFuture.completedFuture(new ProduceResponse(response));
    }

    private PartitionProduceResponse append(MetadataImage image, boolean byId, ProduceRequestData.TopicProduceData topic,
                                            ProduceRequestData.PartitionProduceData partition, short version) {
        LeaderLookup leader = byId
                ? replicas.leaderFor(image, topic.topicId() == null ? Uuid.ZERO_UUID : topic.topicId(), partition.index(), -1)
                : replicas.leaderFor(image, topic.name(), partition.index(), -1);
        if (!leader.ok()) return error(partition.index(), leader.error(), null);
        try {
            MemoryRecords records = (MemoryRecords) partition.records();
            if (records == null) return error(partition.index(), Errors.CORRUPT_MESSAGE, "no records");
            ProduceRequest.validateRecords(version, records);
            LogAppendInfo info = replicas.appendAsLeader(leader, records);
            return new PartitionProduceResponse()
                    .setIndex(partition.index())
                    .setErrorCode(Errors.NONE.code())
                    .setBaseOffset(info.firstOffset())
                    .setLogAppendTimeMs(info.logAppendTime())
                    .setLogStartOffset(leader.log().logStartOffset());
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

    private static PartitionProduceResponse error(int index, Errors error, String message) {
        return new PartitionProduceResponse().setIndex(index).setErrorCode(error.code()).setErrorMessage(message)
                .setBaseOffset(ProduceResponse.INVALID_OFFSET).setLogAppendTimeMs(RecordBatch.NO_TIMESTAMP)
                .setLogStartOffset(ProduceResponse.INVALID_OFFSET);
    }
}
