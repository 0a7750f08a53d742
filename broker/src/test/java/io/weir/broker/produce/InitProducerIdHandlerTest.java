package io.weir.broker.produce;

import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InitProducerIdHandlerTest {
    private static InitProducerIdResponse init(ProducerIdAllocator allocator) throws Exception {
        InitProducerIdRequest request = new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                .setTransactionalId(null).setTransactionTimeoutMs(60_000)).build();
        return (InitProducerIdResponse) new InitProducerIdHandler(allocator).handle(null, request).get();
    }

    @Test
    void withoutAProducerIdBlockTheIdempotentProducerIsToldToRetryAsKafkaTellsIt() throws Exception {
        InitProducerIdResponse response = init(new ProducerIdAllocator(() -> {
            throw new IllegalStateException("controller unreachable");
        }));
        // COORDINATOR_NOT_AVAILABLE would send kafka-clients looking for a transaction coordinator of a
        // null transactional id, which fails in its I/O thread forever.
        assertThat(response.error()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(Errors.COORDINATOR_LOAD_IN_PROGRESS.exception()).isInstanceOf(
                org.apache.kafka.common.errors.RetriableException.class);
    }

    @Test
    void withABlockTheProducerGetsTheNextIdAtEpochZero() throws Exception {
        InitProducerIdResponse response = init(new ProducerIdAllocator(() -> new long[] {1000, 10}));
        assertThat(response.error()).isEqualTo(Errors.NONE);
        assertThat(response.data().producerId()).isEqualTo(1000);
        assertThat(response.data().producerEpoch()).isZero();
    }
}
