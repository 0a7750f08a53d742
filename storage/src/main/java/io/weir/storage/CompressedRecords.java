package io.weir.storage;

import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedCompressionTypeException;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;

/**
 * Opens the records of a compressed batch for checking while they decompress, with
 * kafka-clients' own codecs (so what passes is what a consumer can read), under a hard
 * bound on the decompressed size.
 *
 * <p>The bound: the records of one batch may decompress to at most
 * {@value #BOUND_FACTOR} × the batch size limit ({@code max.message.bytes}, 64 MiB at the
 * default). A producer closes a batch at {@code batch.size} compressed bytes and real
 * payloads seldom compress better than 10:1, so this is far above what producers build; it
 * keeps a decompression bomb to bounded CPU, and to no memory beyond a few buffers, since
 * the records are checked as they stream out and never held whole. Past it the append is
 * MESSAGE_TOO_LARGE, on which the Java producer splits the batch and retries.
 */
final class CompressedRecords {
    static final int BOUND_FACTOR = 64;
    private static final int CODEC_MASK = 0x07;

    /** Snappy-java's stream header: magic, then version and compatible version (4 bytes each). */
    private static final byte[] SNAPPY_MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    private static final int SNAPPY_HEADER_BYTES = 16;

    private CompressedRecords() {
    }

    /** The decompressed-size bound of a batch under a batch size limit of {@code maxBatchBytes}. */
    static long bound(int maxBatchBytes) {
        return (long) BOUND_FACTOR * maxBatchBytes;
    }

    /**
     * The codec of a batch's attributes. Kafka itself lets an unknown id escape as an
     * IllegalArgumentException (UNKNOWN_SERVER_ERROR); the error code Kafka defines for a
     * codec the broker cannot handle is UNSUPPORTED_COMPRESSION_TYPE, so that is the answer.
     *
     * @throws UnsupportedCompressionTypeException for ids 5 to 7
     */
    static CompressionType codecOf(short attributes) {
        int id = attributes & CODEC_MASK;
        if (id > CompressionType.ZSTD.id) {
            throw new UnsupportedCompressionTypeException("Unknown compression type id: " + id);
        }
        return CompressionType.forId(id);
    }

    /**
     * @param batch one whole batch, from its first byte to its last
     * @return a reader of the decompressed records; close it (zstd holds native memory)
     * @throws CorruptRecordException  the codec cannot even start on the payload
     * @throws RecordTooLargeException a snappy payload declares more than {@code bound} bytes
     */
    static StreamRecordReader open(ByteBuffer batch, CompressionType codec, long bound) {
        ByteBuffer payload = batch.duplicate().position(batch.position() + BatchHeader.SIZE).slice();
        if (codec == CompressionType.SNAPPY) {
            checkSnappySizes(payload.duplicate(), bound);
        }
        InputStream in;
        try {
            in = Compression.of(codec).build().wrapForInput(payload, RecordBatch.MAGIC_VALUE_V2,
                    BufferSupplier.NO_CACHING);
        } catch (RuntimeException e) {
            throw new CorruptRecordException("Cannot decompress the records of a " + codec + " batch: " + e, e);
        }
        return new StreamRecordReader(in, bound);
    }

    /**
     * Snappy-java allocates each chunk's buffers from the sizes the stream declares before it
     * reads the chunk: up to 512 MiB for a compressed chunk and 2 GiB for its output, from a
     * few hostile bytes. Checks those sizes against the payload and the bound first.
     * Producers write either snappy-java's framing (magic header, then chunks of
     * {@code int32 length, raw snappy block}) or one raw snappy block (librdkafka); both
     * start their raw blocks with the uncompressed length as a varint.
     */
    private static void checkSnappySizes(ByteBuffer payload, long bound) {
        if (!hasSnappyMagic(payload, payload.position())) {
            checkRawSnappyLength(payload, payload.position(), bound);
            return;
        }
        long total = 0;
        int pos = payload.position() + SNAPPY_HEADER_BYTES;
        int end = payload.limit();
        while (end - pos >= 4) { // snappy-java ends the stream quietly when fewer than 4 bytes are left
            if (hasSnappyMagic(payload, pos)) { // streams may be concatenated
                if (end - pos < SNAPPY_HEADER_BYTES) {
                    throw new CorruptRecordException("Truncated snappy stream header");
                }
                pos += SNAPPY_HEADER_BYTES;
                continue;
            }
            int chunk = payload.getInt(pos);
            pos += 4;
            if (chunk < 0 || chunk > end - pos) {
                throw new CorruptRecordException("Snappy chunk of " + chunk + " bytes in " + (end - pos) + " bytes");
            }
            total += checkRawSnappyLength(payload.duplicate().limit(pos + chunk), pos, bound - total);
            pos += chunk;
        }
    }

    private static boolean hasSnappyMagic(ByteBuffer buf, int pos) {
        if (buf.limit() - pos < SNAPPY_MAGIC.length) {
            return false;
        }
        for (int i = 0; i < SNAPPY_MAGIC.length; i++) {
            if (buf.get(pos + i) != SNAPPY_MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** @return the uncompressed length a raw snappy block at {@code pos} declares */
    private static long checkRawSnappyLength(ByteBuffer buf, int pos, long budget) {
        long length = 0;
        for (int i = 0; i < 5; i++) {
            if (pos + i >= buf.limit()) {
                throw new CorruptRecordException("Truncated snappy block length");
            }
            byte b = buf.get(pos + i);
            length |= (long) (b & 0x7f) << (7 * i);
            if (b >= 0) {
                if (length > budget) {
                    throw new RecordTooLargeException("A snappy block of a batch declares " + length
                            + " bytes, past the decompression bound");
                }
                return length;
            }
        }
        throw new CorruptRecordException("Malformed snappy block length");
    }
}
