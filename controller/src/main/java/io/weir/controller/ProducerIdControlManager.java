package io.weir.controller;

import io.weir.controller.image.BrokerRegistration;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.ProducerIdsRecord;
import java.util.List;
import java.util.Optional;

/** AllocateProducerIds: hands out disjoint blocks of producer ids to brokers. */
public final class ProducerIdControlManager {
    private final int blockSize;

    public ProducerIdControlManager(int blockSize) {
        this.blockSize = blockSize;
    }

    /** A block {@code [firstProducerId, firstProducerId + length)}. */
    public record ProducerIdBlock(ApiStatus status, long firstProducerId, int length) {
    }

    public ControllerResult<ProducerIdBlock> allocate(MetadataImage image, int brokerId,
                                                      long brokerEpoch) {
        Optional<BrokerRegistration> b = image.broker(brokerId);
        if (b.isEmpty() || b.get().epoch() != brokerEpoch) {
            return ControllerResult.noChange(new ProducerIdBlock(ApiStatus.of(
                ApiError.STALE_BROKER_EPOCH, "broker " + brokerId + " epoch is not current"),
                -1, 0));
        }
        long first = image.nextProducerId();
        return ControllerResult.of(
            List.of(new ProducerIdsRecord(brokerId, brokerEpoch, first + blockSize)),
            new ProducerIdBlock(ApiStatus.OK, first, blockSize));
    }
}
