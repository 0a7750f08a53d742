package io.weir.metadata.quorum;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecordSerde;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Snapshot file format: magic "WEIR", format version, the image's metadata offset, then the
 * image as CBOR records ({@link MetadataImage#toRecords()}). Written to a temporary file and
 * renamed, so a crash never leaves a half-written snapshot under the final name.
 */
final class SnapshotFiles {
    private static final int MAGIC = 0x57454952;
    private static final int FORMAT_VERSION = 1;
    private static final long MAX_SNAPSHOT_BYTES = 1L << 30;

    private final MetadataRecordSerde serde = new MetadataRecordSerde();

    void write(Path file, MetadataImage image) throws IOException {
        byte[] body = serde.encode(image.toRecords());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp);
             DataOutputStream out = new DataOutputStream(os)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeLong(image.offset());
            out.writeInt(body.length);
            out.write(body);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    MetadataImage read(Path file) throws IOException {
        if (Files.size(file) > MAX_SNAPSHOT_BYTES) {
            throw new IOException("snapshot " + file + " is larger than " + MAX_SNAPSHOT_BYTES);
        }
        try (InputStream is = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(is)) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a Weir metadata snapshot: " + file);
            }
            int version = in.readInt();
            if (version != FORMAT_VERSION) {
                throw new IOException("unsupported snapshot format " + version + " in " + file);
            }
            long offset = in.readLong();
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            return MetadataImage.fromRecords(offset, serde.decode(body));
        }
    }
}
