package io.weir.controller.image;

import io.weir.controller.record.MetadataRecordSerde;
import java.nio.ByteBuffer;

/**
 * The backend-neutral snapshot format of a {@link MetadataImage}: magic "WEIR", format
 * version, the image's metadata offset, the body length, then the image as CBOR records
 * ({@link MetadataImage#toRecords()}). Ratis writes it to snapshot files; the ZooKeeper
 * backend can store the same bytes. Thread-safe.
 */
public final class MetadataImageSerde {
    private static final int MAGIC = 0x57454952;
    private static final int FORMAT_VERSION = 1;
    private static final int HEADER = Integer.BYTES * 3 + Long.BYTES;

    private final MetadataRecordSerde records = new MetadataRecordSerde();

    public byte[] encode(MetadataImage image) {
        byte[] body = records.encode(image.toRecords());
        return ByteBuffer.allocate(HEADER + body.length).putInt(MAGIC).putInt(FORMAT_VERSION)
            .putLong(image.offset()).putInt(body.length).put(body).array();
    }

    /** @throws IllegalArgumentException when the bytes are not a snapshot this version reads */
    public MetadataImage decode(byte[] bytes) {
        if (bytes.length < HEADER) {
            throw new IllegalArgumentException("metadata snapshot too short: " + bytes.length);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        if (buf.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a Weir metadata snapshot");
        }
        int version = buf.getInt();
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException("unsupported metadata snapshot format " + version);
        }
        long offset = buf.getLong();
        int length = buf.getInt();
        if (length != bytes.length - HEADER) {
            throw new IllegalArgumentException("metadata snapshot body is " + (bytes.length - HEADER)
                + " bytes, header says " + length);
        }
        return MetadataImage.fromRecords(offset, records.decode(bytes, HEADER, length));
    }
}
