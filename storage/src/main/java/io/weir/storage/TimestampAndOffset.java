package io.weir.storage;

/** A ListOffsets answer: the offset found and the timestamp of that record (-1 when not applicable). */
public record TimestampAndOffset(long timestamp, long offset, int leaderEpoch) {
}
