package io.weir.cli;

import io.weir.controller.coordination.StoredMetadata;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.image.MetadataImageSerde;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * The file {@code weir metadata export} writes and {@code import} reads: a backend-neutral
 * copy of a cluster's whole committed metadata.
 *
 * <pre>
 * "WEIRMETA"  magic, 8 bytes
 * int         format version (1)
 * UTF         cluster id
 * UTF         source backend (ratis or zookeeper; informative)
 * long        highest controller epoch of the source
 * long        metadata offset of the image
 * int, bytes  the image, MetadataImageSerde (the snapshot format both backends use)
 * long        CRC-32 of everything before it
 * </pre>
 */
record MetadataExportFile(String clusterId, String sourceBackend, StoredMetadata metadata) {
    private static final byte[] MAGIC = "WEIRMETA".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int MAX_IMAGE_BYTES = 1 << 30;

    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            byte[] image = new MetadataImageSerde().encode(metadata.image());
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(clusterId);
            out.writeUTF(sourceBackend);
            out.writeLong(metadata.controllerEpoch());
            out.writeLong(metadata.image().offset());
            out.writeInt(image.length);
            out.write(image);
            out.flush();
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            out.writeLong(crc.getValue());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @throws IllegalArgumentException saying what is wrong when {@code data} is not a valid export */
    static MetadataExportFile decode(byte[] data) {
        if (data.length < MAGIC.length + Long.BYTES || !Arrays.equals(data, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IllegalArgumentException("not a Weir metadata export (no WEIRMETA header)");
        }
        CRC32 crc = new CRC32();
        crc.update(data, 0, data.length - Long.BYTES);
        if (crc.getValue() != ByteBuffer.wrap(data, data.length - Long.BYTES, Long.BYTES).getLong()) {
            throw new IllegalArgumentException("the metadata export is damaged (checksum mismatch)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, 0, data.length - Long.BYTES))) {
            in.skipNBytes(MAGIC.length);
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException("metadata export format version " + version
                    + " is not supported (this weir reads " + VERSION + ")");
            }
            String clusterId = in.readUTF();
            String backend = in.readUTF();
            long epoch = in.readLong();
            long offset = in.readLong();
            int length = in.readInt();
            if (length < 0 || length > MAX_IMAGE_BYTES) {
                throw new IllegalArgumentException("the metadata export is damaged (image length " + length + ")");
            }
            MetadataImage image = new MetadataImageSerde().decode(in.readNBytes(length));
            if (image.offset() != offset) {
                throw new IllegalArgumentException("the metadata export is damaged (image at offset " + image.offset()
                    + ", header says " + offset + ")");
            }
            return new MetadataExportFile(clusterId, backend, new StoredMetadata(image, epoch));
        } catch (IOException e) {
            throw new IllegalArgumentException("the metadata export is truncated", e);
        }
    }
}
