package io.weir.storage;

import java.util.List;
import org.apache.kafka.common.InvalidRecordException;

/**
 * A leader refused a batch because some of its records are invalid for the topic, though well
 * formed: records without a key on a compacted topic (INVALID_RECORD with per-record errors, as
 * Kafka's {@code RecordValidationException}). Which records, by their index in the batch, so the
 * producer fails exactly those.
 */
public final class InvalidRecordsException extends InvalidRecordException {
    private static final long serialVersionUID = 1L;

    private final transient List<InvalidRecordTimestampsException.RejectedRecord> records;

    InvalidRecordsException(List<InvalidRecordTimestampsException.RejectedRecord> records) {
        super("One or more records have been rejected due to " + records.size() + " record errors in total, and"
                + " only showing the first three errors at most: "
                + records.subList(0, Math.min(3, records.size())).stream()
                        .map(InvalidRecordTimestampsException.RejectedRecord::message).toList());
        this.records = List.copyOf(records);
    }

    /** The refused records, in batch order; never empty. */
    public List<InvalidRecordTimestampsException.RejectedRecord> records() {
        return records;
    }
}
