package io.weir.storage;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The cleaner's key map, as Kafka's {@code SkimpyOffsetMap}: a fixed-size open-addressing table
 * from the MD5 hash of a record key to the latest offset seen for it. Its memory is fixed when it
 * is made ({@code log.cleaner.dedupe.buffer.size} shared by the cleaner threads), so a cleaning
 * pass covers only as many dirty records as fit; the rest waits for the next pass. Two keys with
 * the same 128-bit hash would share an entry (as in Kafka; the chance is negligible).
 *
 * <p>Not thread-safe: each cleaner thread owns one. Allocation-free after construction.
 */
public final class OffsetMap {
    /** Bytes of one slot: the key's hash and the offset (stored plus one, so zero means empty). */
    static final int SLOT_BYTES = 16 + 8;
    /** Kafka's {@code log.cleaner.io.buffer.load.factor}: the share of slots filled before the map is full. */
    static final double LOAD_FACTOR = 0.9;

    /** Allocated by the first {@link #clear()}: a node that never compacts never pays for the map. */
    private ByteBuffer slots;
    private final int slotCount;
    private final int maxEntries;
    private final MessageDigest md5;
    private final byte[] hash = new byte[16];
    private int entries;
    private long lookups;
    private long probes;

    /** @param memoryBytes the table's size; at least two slots */
    public OffsetMap(int memoryBytes) {
        this.slotCount = memoryBytes / SLOT_BYTES;
        if (slotCount < 2) {
            throw new IllegalArgumentException("An offset map needs at least " + 2 * SLOT_BYTES + " bytes: "
                    + memoryBytes);
        }
        // At least one slot stays empty, so every probe ends.
        this.maxEntries = Math.max(1, Math.min(slotCount - 1, (int) (slotCount * LOAD_FACTOR)));
        try {
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every JVM", e);
        }
    }

    /** Entries the map takes before it is full. */
    int capacity() {
        return maxEntries;
    }

    int size() {
        return entries;
    }

    /** Whether {@code more} new keys could still be added. */
    boolean hasRoomFor(int more) {
        return entries + (long) more <= maxEntries;
    }

    /** Records {@code offset} as the latest for {@code key} (the key's bytes from its position to its limit). */
    void put(ByteBuffer key, long offset) {
        assert offset >= 0 : "offsets are not negative";
        int slot = find(key);
        if (slots.getLong(slot * SLOT_BYTES + 16) == 0) {
            if (entries >= maxEntries) {
                throw new IllegalStateException("The offset map is full (" + entries + " entries)");
            }
            entries++;
            slots.put(slot * SLOT_BYTES, hash);
        }
        long stored = slots.getLong(slot * SLOT_BYTES + 16) - 1;
        if (offset > stored) {
            slots.putLong(slot * SLOT_BYTES + 16, offset + 1);
        }
    }

    /** The latest offset recorded for {@code key}, or -1. */
    long get(ByteBuffer key) {
        int slot = find(key);
        return slots.getLong(slot * SLOT_BYTES + 16) - 1;
    }

    /** Empties the map for the next log; the memory is kept. */
    void clear() {
        if (slots == null) {
            slots = ByteBuffer.allocate(Math.multiplyExact(slotCount, SLOT_BYTES));
        } else {
            java.util.Arrays.fill(slots.array(), (byte) 0);
        }
        entries = 0;
    }

    /** Mean slots probed per lookup, for the cleaner's log line. */
    double meanProbes() {
        return lookups == 0 ? 0 : (double) probes / lookups;
    }

    /** Hashes {@code key} into {@link #hash} and returns the slot holding it or the empty slot where it goes. */
    private int find(ByteBuffer key) {
        if (slots == null) {
            clear();
        }
        md5.update(key.duplicate());
        try {
            md5.digest(hash, 0, hash.length);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        lookups++;
        int start = Math.floorMod(((hash[0] & 0xff) << 24) | ((hash[1] & 0xff) << 16) | ((hash[2] & 0xff) << 8)
                | (hash[3] & 0xff), slotCount);
        // The table is never full (load factor below one), so the probe ends at the key or an empty slot.
        for (int i = 0; i < slotCount; i++) {
            int slot = (start + i) % slotCount;
            probes++;
            int base = slot * SLOT_BYTES;
            if (slots.getLong(base + 16) == 0 || sameHash(base)) {
                return slot;
            }
        }
        throw new IllegalStateException("The offset map has no empty slot");
    }

    private boolean sameHash(int base) {
        for (int i = 0; i < hash.length; i++) {
            if (slots.get(base + i) != hash[i]) {
                return false;
            }
        }
        return true;
    }
}
