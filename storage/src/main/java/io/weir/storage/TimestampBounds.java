package io.weir.storage;

import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Kafka's bounds on a CreateTime record's timestamp at one moment ({@code message.timestamp.before.max.ms}
 * and {@code message.timestamp.after.max.ms}, KIP-937): pure, the clock read by the caller.
 *
 * @param now         the leader's clock when the batch is validated
 * @param beforeMaxMs how far behind {@code now} a timestamp may be
 * @param afterMaxMs  how far ahead of {@code now} a timestamp may be
 */
record TimestampBounds(long now, long beforeMaxMs, long afterMaxMs) {

    /**
     * Whether Kafka's {@code LogValidator.recordHasInvalidTimestamp} refuses {@code timestamp}, in its
     * arithmetic (wrapping, as Kafka's). A record without a timestamp ({@code NO_TIMESTAMP}) is never refused.
     */
    boolean rejects(long timestamp) {
        if (timestamp == RecordBatch.NO_TIMESTAMP) {
            return false;
        }
        long difference = now - timestamp;
        return difference > beforeMaxMs || -1 * difference > afterMaxMs;
    }

    /** Kafka's record error message for a refused timestamp. */
    String message(long timestamp, long offset) {
        return "Timestamp " + timestamp + " of message with offset " + offset
                + " is out of range. The timestamp should be within [" + (now - beforeMaxMs) + ", "
                + (now + afterMaxMs) + "]";
    }
}
