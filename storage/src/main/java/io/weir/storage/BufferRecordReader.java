package io.weir.storage;

import java.nio.ByteBuffer;

/** Reads an uncompressed batch's records in place, by absolute position: no copy, no allocation. */
final class BufferRecordReader extends RecordReader {
    private final ByteBuffer buf;
    private final int start;
    private final int end;
    private int pos;

    /** The records section is {@code buf[start, end)}. */
    BufferRecordReader(ByteBuffer buf, int start, int end) {
        this.buf = buf;
        this.start = start;
        this.end = end;
        this.pos = start;
        limitToSection();
    }

    @Override
    long position() {
        return pos - start;
    }

    @Override
    byte nextByte() {
        return buf.get(pos++);
    }

    @Override
    void skipBytes(int n) {
        pos += n;
    }

    @Override
    boolean atEnd() {
        return pos == end;
    }

    @Override
    long remaining() {
        return end - pos;
    }

    @Override
    long sectionEnd() {
        return end - start;
    }
}
