package io.weir.storage;

import java.util.List;
import org.apache.kafka.common.errors.InvalidTimestampException;

/**
 * A leader refused a batch because records in it have timestamps outside the topic's bounds
 * (INVALID_TIMESTAMP, as Kafka's {@code RecordValidationException}): which records, by their index
 * in the batch, and why, for the Produce response's per-record errors.
 */
public final class InvalidRecordTimestampsException extends InvalidTimestampException {
    private static final long serialVersionUID = 1L;

    /** A refused record: its index in the batch and Kafka's message for it. */
    public record RejectedRecord(int batchIndex, String message) {
    }

    private final transient List<RejectedRecord> records;

    InvalidRecordTimestampsException(List<RejectedRecord> records) {
        super("One or more records have been rejected due to invalid timestamp");
        this.records = List.copyOf(records);
    }

    /** The refused records, in batch order; never empty. */
    public List<RejectedRecord> records() {
        return records;
    }
}
