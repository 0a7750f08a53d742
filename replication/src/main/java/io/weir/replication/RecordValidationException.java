package io.weir.replication;

import io.weir.storage.InvalidRecordTimestampsException;
import java.util.List;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.requests.ProduceResponse;

/**
 * A leader refused a batch because of some of its records (Kafka's {@code RecordValidationException}):
 * the partition's error ({@link #invalidException()}: INVALID_TIMESTAMP or INVALID_RECORD) and each
 * refused record by its index in the batch, for the Produce response's per-record errors, so the
 * producer fails exactly those records.
 */
public final class RecordValidationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ApiException invalidException;
    private final transient List<ProduceResponse.RecordError> recordErrors;

    RecordValidationException(ApiException invalidException, List<InvalidRecordTimestampsException.RejectedRecord> rejected) {
        super(invalidException.getMessage(), invalidException);
        this.invalidException = invalidException;
        this.recordErrors = rejected.stream()
                .map(r -> new ProduceResponse.RecordError(r.batchIndex(), r.message())).toList();
    }

    /** The partition-level error, as Kafka's exception. */
    public ApiException invalidException() {
        return invalidException;
    }

    /** The refused records, in batch order; never empty. */
    public List<ProduceResponse.RecordError> recordErrors() {
        return recordErrors;
    }
}
