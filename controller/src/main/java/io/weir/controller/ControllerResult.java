package io.weir.controller;

import io.weir.controller.record.MetadataRecord;
import java.util.List;

/**
 * What a control manager decided: the records to commit and the response to send once they
 * are committed. An empty record list means nothing changes (validation failures, no-ops).
 *
 * <p>An atomic result commits in one batch or not at all, so it may hold at most
 * {@link ControllerConfig#maxRecordsPerBatch()} records. A non-atomic one (Kafka's
 * {@code ControllerResult.of} as against {@code atomicOf}) may be larger and is then appended
 * as several consecutive batches: each record must leave a valid image on its own, so that a
 * controller failing between two of its batches leaves a state the next decision continues
 * from. Broker liveness changes are of that kind (one partition's leader and ISR per record).
 */
public record ControllerResult<T>(List<MetadataRecord> records, T response, boolean atomic) {
    public ControllerResult {
        records = List.copyOf(records);
    }

    public static <T> ControllerResult<T> of(List<MetadataRecord> records, T response) {
        return new ControllerResult<>(records, response, true);
    }

    /** Records that may commit in several batches (see the class comment). */
    public static <T> ControllerResult<T> nonAtomic(List<MetadataRecord> records, T response) {
        return new ControllerResult<>(records, response, false);
    }

    public static <T> ControllerResult<T> noChange(T response) {
        return new ControllerResult<>(List.of(), response, true);
    }
}
