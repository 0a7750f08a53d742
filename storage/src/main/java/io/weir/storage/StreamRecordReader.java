package io.weir.storage;

import java.io.IOException;
import java.io.InputStream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Reads a compressed batch's records while decompressing them, through a small buffer, so
 * the records are checked without ever being held whole. Stops with
 * {@link RecordTooLargeException} once more than {@code bound} bytes have come out of the
 * decompressor: a decompression bomb costs bounded time and no memory.
 *
 * <p>Whatever the decompressor throws (codecs throw IOExceptions, runtime exceptions of
 * their own, kafka-clients' KafkaException) becomes {@link CorruptRecordException}.
 */
final class StreamRecordReader extends RecordReader implements AutoCloseable {
    private static final int BUFFER_BYTES = 8 * 1024;
    /** An InputStream may return 0 bytes only for a 0-byte read; one that keeps doing so is broken. */
    private static final int MAX_EMPTY_READS = 16;

    private final InputStream in;
    private final long bound;
    private final byte[] chunk = new byte[BUFFER_BYTES];
    private int chunkPos;
    private int chunkLen;
    /** Bytes taken out of the decompressor, read or not. */
    private long decompressed;
    private boolean eof;

    StreamRecordReader(InputStream in, long bound) {
        this.in = in;
        this.bound = bound;
    }

    @Override
    long position() {
        return decompressed - (chunkLen - chunkPos);
    }

    @Override
    byte nextByte() {
        if (chunkPos == chunkLen && !fill()) {
            throw new InvalidRecordException("The records end before the batch's last record does");
        }
        return chunk[chunkPos++];
    }

    @Override
    void skipBytes(int n) {
        int left = n;
        while (left > 0) {
            if (chunkPos == chunkLen && !fill()) {
                throw new InvalidRecordException("The records end before the batch's last record does");
            }
            int step = Math.min(left, chunkLen - chunkPos);
            chunkPos += step;
            left -= step;
        }
    }

    @Override
    boolean atEnd() {
        return chunkPos == chunkLen && !fill();
    }

    @Override
    long remaining() {
        return -1;
    }

    @Override
    long sectionEnd() {
        return Long.MAX_VALUE;
    }

    /** Bytes still allowed out of the decompressor after the current position. */
    @Override
    long budget() {
        return bound - position();
    }

    /** Releases the decompressor (zstd's holds native memory); a failure to close changes no verdict. */
    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            // The records were checked already; nothing was written from this stream.
        }
    }

    /** @return false at the end of the decompressed records */
    private boolean fill() {
        if (eof) {
            return false;
        }
        int n = 0;
        try {
            // A read asks for one byte more than the bound allows, so going over it shows.
            int want = (int) Math.min(chunk.length, bound - decompressed + 1);
            for (int attempt = 0; n == 0 && attempt < MAX_EMPTY_READS; attempt++) {
                n = in.read(chunk, 0, want);
            }
        } catch (ApiException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CorruptRecordException("Cannot decompress the records of a batch: " + e, e);
        }
        if (n == 0) {
            throw new CorruptRecordException("The decompressor of a batch makes no progress");
        }
        if (n < 0) {
            eof = true;
            return false;
        }
        chunkPos = 0;
        chunkLen = n;
        decompressed += n;
        if (decompressed > bound) {
            throw new RecordTooLargeException("The records of a compressed batch decompress to more than "
                    + bound + " bytes");
        }
        return true;
    }
}
