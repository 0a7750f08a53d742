package io.weir.zk;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * How a value of any size (an encoded batch or snapshot) is stored in znodes that each stay
 * well below ZooKeeper's {@code jute.maxbuffer} (1 MiB by default, which bounds a znode's data
 * and every request and response, a multi-op included). The head znode holds a header and the
 * first piece; further pieces go to chunk znodes written <em>before</em> the head. The head is
 * the commit point: a reader never looks for chunks of a head that does not exist, so chunks
 * of a failed write are only garbage, never half a batch.
 *
 * <p>Header: magic "WZK1", the writer's controller epoch, a random token naming the chunks,
 * the payload length, the piece count and the payload's CRC-32, which a reader checks after
 * reassembly. Pure and thread-safe.
 */
final class Blob {
    /** A piece size that leaves room for the request's own bytes within 1 MiB. */
    static final int PIECE_BYTES = 512 * 1024;
    private static final int MAGIC = 0x575a4b31;
    static final int HEADER_BYTES = Integer.BYTES + Long.BYTES * 2 + Integer.BYTES * 3;

    /** The header of a head znode. */
    record Header(long epoch, long token, int length, int pieces, int crc) {
    }

    /** A value split for storage: {@code head} (header + piece 0) and pieces 1..n-1. */
    record Encoded(Header header, byte[] head, List<byte[]> chunks) {
    }

    private Blob() {
    }

    static Encoded encode(long epoch, long token, byte[] payload, int pieceBytes) {
        if (pieceBytes < 1) {
            throw new IllegalArgumentException("piece size must be positive: " + pieceBytes);
        }
        int pieces = Math.max(1, (payload.length + pieceBytes - 1) / pieceBytes);
        CRC32 crc = new CRC32();
        crc.update(payload);
        Header header = new Header(epoch, token, payload.length, pieces, (int) crc.getValue());
        int first = Math.min(pieceBytes, payload.length);
        byte[] head = ByteBuffer.allocate(HEADER_BYTES + first)
            .putInt(MAGIC).putLong(epoch).putLong(token).putInt(payload.length).putInt(pieces)
            .putInt(header.crc()).put(payload, 0, first).array();
        List<byte[]> chunks = new ArrayList<>(pieces - 1);
        for (int i = 1; i < pieces; i++) {
            int from = i * pieceBytes;
            int to = Math.min(payload.length, from + pieceBytes);
            byte[] piece = new byte[to - from];
            System.arraycopy(payload, from, piece, 0, piece.length);
            chunks.add(piece);
        }
        return new Encoded(header, head, chunks);
    }

    /** @throws IllegalArgumentException when {@code head} is not a head this version wrote */
    static Header header(byte[] head) {
        if (head == null || head.length < HEADER_BYTES) {
            throw new IllegalArgumentException("znode too short for a Weir head: "
                + (head == null ? "no data" : head.length + " bytes"));
        }
        ByteBuffer buf = ByteBuffer.wrap(head);
        if (buf.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a Weir metadata znode (bad magic)");
        }
        Header h = new Header(buf.getLong(), buf.getLong(), buf.getInt(), buf.getInt(), buf.getInt());
        if (h.length() < 0 || h.pieces() < 1) {
            throw new IllegalArgumentException("corrupt head: " + h);
        }
        return h;
    }

    /**
     * The payload from a head and its chunks (pieces 1..n-1 in order).
     *
     * @throws IllegalArgumentException on a wrong piece count, length or CRC
     */
    static byte[] assemble(byte[] head, List<byte[]> chunks) {
        Header h = header(head);
        if (chunks.size() != h.pieces() - 1) {
            throw new IllegalArgumentException("head says " + h.pieces() + " pieces, got " + (chunks.size() + 1));
        }
        byte[] payload = new byte[h.length()];
        int first = head.length - HEADER_BYTES;
        if (first > payload.length) {
            throw new IllegalArgumentException("head piece longer than the payload");
        }
        System.arraycopy(head, HEADER_BYTES, payload, 0, first);
        int at = first;
        for (byte[] c : chunks) {
            if (at + c.length > payload.length) {
                throw new IllegalArgumentException("pieces longer than the payload of " + h.length() + " bytes");
            }
            System.arraycopy(c, 0, payload, at, c.length);
            at += c.length;
        }
        if (at != payload.length) {
            throw new IllegalArgumentException("pieces hold " + at + " of " + h.length() + " bytes");
        }
        CRC32 crc = new CRC32();
        crc.update(payload);
        if ((int) crc.getValue() != h.crc()) {
            throw new IllegalArgumentException("CRC mismatch in a Weir metadata value");
        }
        return payload;
    }
}
