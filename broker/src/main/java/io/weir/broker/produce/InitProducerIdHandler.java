package io.weir.broker.produce;

import io.weir.broker.api.ApiHandler;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * InitProducerId for idempotent (non-transactional) producers: a new producer id at epoch 0,
 * or, when a producer asks to bump the epoch of its id (KIP-360, after a sequence error), the
 * same id at the next epoch, so the log accepts its sequence numbers restarting at 0.
 * Transactional ids need a transaction coordinator, which Weir does not have yet.
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest> {
    private final ProducerIdAllocator allocator;

    public InitProducerIdHandler(ProducerIdAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, InitProducerIdRequest request) {
        InitProducerIdResponseData data = new InitProducerIdResponseData();
        if (request.data().transactionalId() != null) {
            data.setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())
                    .setProducerId(RecordBatch.NO_PRODUCER_ID).setProducerEpoch(RecordBatch.NO_PRODUCER_EPOCH);
            return CompletableFuture.completedFuture(new InitProducerIdResponse(data));
        }
        long producerId = request.data().producerId();
        short epoch = request.data().producerEpoch();
        if (producerId != RecordBatch.NO_PRODUCER_ID && epoch >= 0 && epoch < Short.MAX_VALUE - 1) {
            data.setProducerId(producerId).setProducerEpoch((short) (epoch + 1));
        } else {
            OptionalLong id = allocator.next();
            if (id.isEmpty()) {
                // What Kafka's broker answers when its producer id block is used up (RPCProducerIdManager):
                // the idempotent producer asks again after a backoff. Not COORDINATOR_NOT_AVAILABLE: on that
                // kafka-clients looks up a transaction coordinator for the null transactional id, and the
                // FindCoordinator it builds throws in its I/O thread on every loop, so the producer never
                // gets an id (seen in `weir bench compare` around a kill -9 on a loaded machine).
                return CompletableFuture.completedFuture(new InitProducerIdResponse(data
                        .setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code())
                        .setProducerId(RecordBatch.NO_PRODUCER_ID).setProducerEpoch(RecordBatch.NO_PRODUCER_EPOCH)));
            }
            data.setProducerId(id.getAsLong()).setProducerEpoch((short) 0);
        }
        return CompletableFuture.completedFuture(new InitProducerIdResponse(data.setErrorCode(Errors.NONE.code())));
    }
}
