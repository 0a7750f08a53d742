package io.weir.metadata.quorum;

import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.MetadataRecordSerde;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The Raft log entry payload of one metadata batch: the controller epoch it was appended at
 * (8 bytes, big-endian) followed by the CBOR-encoded records. The epoch travels with the data
 * so every node can check, on apply, that the entry was written in the term it claims.
 */
final class BatchCodec {
    private final MetadataRecordSerde serde = new MetadataRecordSerde();

    record Batch(long epoch, List<MetadataRecord> records) {
    }

    ByteString encode(long epoch, List<MetadataRecord> records) {
        byte[] body = serde.encode(records);
        ByteBuffer buf = ByteBuffer.allocate(Long.BYTES + body.length);
        buf.putLong(epoch).put(body).flip();
        return ByteString.copyFrom(buf);
    }

    long epoch(ByteString data) {
        if (data.size() < Long.BYTES) {
            throw new IllegalArgumentException("metadata batch too short: " + data.size());
        }
        return data.asReadOnlyByteBuffer().getLong(0);
    }

    Batch decode(ByteString data) {
        byte[] bytes = data.toByteArray();
        long epoch = ByteBuffer.wrap(bytes).getLong(0);
        return new Batch(epoch, serde.decode(bytes, Long.BYTES, bytes.length - Long.BYTES));
    }
}
