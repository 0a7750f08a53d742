package io.weir.storage;

import java.util.Objects;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.rollcycles.LegacyRollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
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
 * @param cleanup             {@code cleanup.policy} and the compaction settings ({@link Cleanup})
 * @param timestampBeforeMaxMs {@code message.timestamp.before.max.ms}: with CREATE_TIME, a leader refuses a
 *                            record whose timestamp is further than this behind its clock (INVALID_TIMESTAMP)
 * @param timestampAfterMaxMs  {@code message.timestamp.after.max.ms}: the same, ahead of its clock
 */
public record LogConfig(
        long retentionMs,
        long retentionBytes,
        int maxMessageBytes,
        TimestampType timestampType,
        RollCycle rollCycle,
        long blockSize,
        int indexIntervalBytes,
        Cleanup cleanup,
        long timestampBeforeMaxMs,
        long timestampAfterMaxMs) {

    public static final long DEFAULT_RETENTION_MS = 7L * 24 * 60 * 60 * 1000;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 12;
    /** Kafka 4's {@code message.timestamp.before.max.ms} default: no bound into the past. */
    public static final long DEFAULT_TIMESTAMP_BEFORE_MAX_MS = Long.MAX_VALUE;
    /** Kafka 4's {@code message.timestamp.after.max.ms} default (KIP-1030): one hour into the future. */
    public static final long DEFAULT_TIMESTAMP_AFTER_MAX_MS = 60L * 60 * 1000;

    public LogConfig {
        Objects.requireNonNull(timestampType, "timestampType");
        Objects.requireNonNull(rollCycle, "rollCycle");
        Objects.requireNonNull(cleanup, "cleanup");
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
        if (timestampBeforeMaxMs < 0 || timestampAfterMaxMs < 0) {
            throw new IllegalArgumentException("message.timestamp.before/after.max.ms must not be negative");
        }
    }

    /**
     * Kafka's defaults: 7 days, no size limit, 1 MiB batches, producer timestamps, hourly roll files;
     * but no bounds on record timestamps, which a log applies only when told: the broker gives every
     * topic's log its {@code message.timestamp.*.max.ms}, Kafka's defaults included
     * ({@link #DEFAULT_TIMESTAMP_AFTER_MAX_MS}), so that storage on its own (tests, benchmarks, tools)
     * accepts whatever timestamps it is given.
     */
    public static LogConfig defaults() {
        return new LogConfig(DEFAULT_RETENTION_MS, -1, DEFAULT_MAX_MESSAGE_BYTES, TimestampType.CREATE_TIME,
                RollCycles.FAST_HOURLY, 16L * 1024 * 1024, 4096, Cleanup.DELETE, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    public LogConfig withRetention(long retentionMs, long retentionBytes) {
        return new LogConfig(retentionMs, retentionBytes, maxMessageBytes, timestampType, rollCycle, blockSize,
                indexIntervalBytes, cleanup,
                timestampBeforeMaxMs, timestampAfterMaxMs);
    }

    public LogConfig withTimestampType(TimestampType type) {
        return new LogConfig(retentionMs, retentionBytes, maxMessageBytes, type, rollCycle, blockSize,
                indexIntervalBytes, cleanup,
                timestampBeforeMaxMs, timestampAfterMaxMs);
    }

    public LogConfig withMaxMessageBytes(int bytes) {
        return new LogConfig(retentionMs, retentionBytes, bytes, timestampType, rollCycle,
                Math.max(blockSize, 4L * bytes), indexIntervalBytes, cleanup,
                timestampBeforeMaxMs, timestampAfterMaxMs);
    }

    /** With {@code message.timestamp.before.max.ms} and {@code message.timestamp.after.max.ms}. */
    public LogConfig withTimestampBounds(long beforeMaxMs, long afterMaxMs) {
        return new LogConfig(retentionMs, retentionBytes, maxMessageBytes, timestampType, rollCycle, blockSize,
                indexIntervalBytes, cleanup, beforeMaxMs, afterMaxMs);
    }

    /**
     * The roll cycle for a topic's {@code segment.ms}: the longest Chronicle cycle not above it, at
     * most hourly (the default, so a topic that leaves {@code segment.ms} at Kafka's 7 days rolls
     * hourly as before): 1 s, 1, 5, 10, 20 or 30 minutes, or an hour. Chronicle rolls by time only,
     * so {@code segment.bytes} has no counterpart.
     */
    public static RollCycle rollCycleForSegmentMs(long segmentMs) {
        RollCycle[] byLength = {RollCycles.FAST_HOURLY, RollCycles.HALF_HOURLY, RollCycles.TWENTY_MINUTELY,
                RollCycles.TEN_MINUTELY, RollCycles.FIVE_MINUTELY, LegacyRollCycles.MINUTELY,
                TestRollCycles.TEST_SECONDLY};
        for (RollCycle c : byLength) {
            if (c.lengthInMillis() <= segmentMs) {
                return c;
            }
        }
        return TestRollCycles.TEST_SECONDLY;
    }

    public LogConfig withRollCycle(RollCycle cycle) {
        return new LogConfig(retentionMs, retentionBytes, maxMessageBytes, timestampType, cycle, blockSize,
                indexIntervalBytes, cleanup,
                timestampBeforeMaxMs, timestampAfterMaxMs);
    }

    public LogConfig withCleanup(Cleanup newCleanup) {
        return new LogConfig(retentionMs, retentionBytes, maxMessageBytes, timestampType, rollCycle, blockSize,
                indexIntervalBytes, newCleanup, timestampBeforeMaxMs, timestampAfterMaxMs);
    }

    /** Whether {@code cleanup.policy} includes {@code compact}: the cleaner keeps the latest record per key. */
    public boolean compact() {
        return cleanup.compact();
    }

    /**
     * Kafka's {@code cleanup.policy} and the topic configs of its log cleaner.
     *
     * @param delete             retention by time and size deletes old roll files
     * @param compact            the cleaner keeps the latest record per key; records without a key are refused
     * @param deleteRetentionMs  {@code delete.retention.ms}: how long a tombstone (a record with a null value) is
     *                           kept, counted from its timestamp
     * @param minCompactionLagMs {@code min.compaction.lag.ms}: a roll file with a newer record is not cleaned
     * @param maxCompactionLagMs {@code max.compaction.lag.ms}: a dirty roll file this old is cleaned whatever the
     *                           dirty ratio
     * @param minDirtyRatio      {@code min.cleanable.dirty.ratio}: the dirty share of the cleanable bytes that makes
     *                           a log worth cleaning
     */
    public record Cleanup(boolean delete, boolean compact, long deleteRetentionMs, long minCompactionLagMs,
                          long maxCompactionLagMs, double minDirtyRatio) {
        /** Kafka's defaults: delete only; 1 day for tombstones, no lag bounds, ratio 0.5. */
        public static final Cleanup DELETE = new Cleanup(true, false, 24L * 60 * 60 * 1000, 0, Long.MAX_VALUE, 0.5);

        public Cleanup {
            if (!delete && !compact) {
                throw new IllegalArgumentException("cleanup.policy must include delete or compact");
            }
            if (deleteRetentionMs < 0 || minCompactionLagMs < 0 || maxCompactionLagMs < 1) {
                throw new IllegalArgumentException("negative compaction lag or tombstone retention");
            }
            if (!(minDirtyRatio >= 0 && minDirtyRatio <= 1)) {
                throw new IllegalArgumentException("min.cleanable.dirty.ratio must be in [0, 1]: " + minDirtyRatio);
            }
        }

        public Cleanup withPolicy(boolean newDelete, boolean newCompact) {
            return new Cleanup(newDelete, newCompact, deleteRetentionMs, minCompactionLagMs, maxCompactionLagMs,
                    minDirtyRatio);
        }

        public Cleanup withLags(long newDeleteRetentionMs, long newMinLagMs, long newMaxLagMs, double newRatio) {
            return new Cleanup(delete, compact, newDeleteRetentionMs, newMinLagMs, newMaxLagMs, newRatio);
        }
    }
}
