package io.weir.storage;

/**
 * What one compaction pass of a log did.
 *
 * @param firstDirty     the first offset whose records went into the key map
 * @param cleanedTo      the new cleaner checkpoint: records below it were filtered
 * @param bytesRead      bytes of batches read (key map and copy)
 * @param bytesWritten   bytes of batches written into the new generation
 * @param batchesRead    batches read
 * @param batchesWritten batches written
 * @param keysInMap      distinct keys of the dirty part
 */
public record CompactionResult(long firstDirty, long cleanedTo, long bytesRead, long bytesWritten, int batchesRead,
                               int batchesWritten, long keysInMap) {
}
