package io.weir.storage;

import java.util.Objects;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import org.apache.kafka.common.record.TimestampType;

/**
 * Per-partition storage settings, named after the Kafka topic configs they implement.
 *
 * @param retentionMs         delete roll files whose newest record is older than this; -1 keeps forever
 * @param retentionBytes      delete the oldest roll files while the log is larger than this; -1 for no limit
 * @param maxMessageBytes     largest record batch accepted ({@code max.message.bytes})
 * @param timestampType       CREATE_TIME keeps producer timestamps; LOG_APPEND_TIME stamps batches on append
 * @param rollCycle           how often Chronicle Queue starts a new roll file; retention deletes whole files
 * @param blockSize           Chronicle memory-mapping chunk size; a batch must fit in a quarter of it
 * @param indexIntervalBytes  bytes of batches between two entries of the in-memory sparse offset index
 */
public record LogConfig(
        long retentionMs,
        long retentionBytes,
        int maxMessageBytes,
        TimestampType timestampType,
        RollCycle rollCycle,
        long blockSize,
        int indexIntervalBytes) {

    public static final long DEFAULT_RETENTION_MS = 7L * 24 * 60 * 60 * 1000;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 12;

    public LogConfig {
        Objects.requireNonNull(timestampType, "timestampType");
        Objects.requireNonNull(rollCycle, "rollCycle");
        if (timestampType == TimestampType.NO_TIMESTAMP_TYPE) {
            throw new IllegalArgumentException("timestampType must be CREATE_TIME or LOG_APPEND_TIME");
        }
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be positive: " + maxMessageBytes);
        }
        if (blockSize < 4L * maxMessageBytes) {
            throw new IllegalArgumentException("blockSize " + blockSize
                    + " must be at least 4 x maxMessageBytes (" + maxMessageBytes + ")");
        }
        if (indexIntervalBytes <= 0) {
            throw new IllegalArgumentException("indexIntervalBytes must be positive");
        }
    }

    /** Kafka's defaults: 7 days, no size limit, 1 MiB batches, producer timestamps, hourly roll files. */
    public static LogConfig defaults() {
        return new LogConfig(DEFAULT_RETENTION_MS, -1, DEFAULT_MAX_MESSAGE_BYTES, TimestampType.CREATE_TIME,
                RollCycles.FAST_HOURLY, 16L * 1024 * 1024, 4096);
    }

    public LogConfig withRetention(long retentionMs, long retentionBytes) {
        return new LogConfig(retentionMs, retentionBytes, maxMessageBytes, timestampType, rollCycle, blockSize,
                indexIntervalBytes);
    }

    public LogConfig withTimestampType(TimestampType type) {
        return new LogConfig(retentionMs, retentionBytes, maxMessageBytes, type, rollCycle, blockSize,
                indexIntervalBytes);
    }

    public LogConfig withMaxMessageBytes(int bytes) {
        return new LogConfig(retentionMs, retentionBytes, bytes, timestampType, rollCycle,
                Math.max(blockSize, 4L * bytes), indexIntervalBytes);
    }

    public LogConfig withRollCycle(RollCycle cycle) {
        return new LogConfig(retentionMs, retentionBytes, maxMessageBytes, timestampType, cycle, blockSize,
                indexIntervalBytes);
    }
}
