package io.weir.controller.record;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Encodes batches of {@link MetadataRecord}s as CBOR. Unknown properties are ignored so a
 * newer writer's added fields do not break an older reader; unknown record types fail loudly.
 * Thread-safe.
 */
public final class MetadataRecordSerde {
    private static final TypeReference<List<MetadataRecord>> LIST = new TypeReference<>() { };

    private final ObjectWriter writer;
    private final ObjectReader reader;

    public MetadataRecordSerde() {
        CBORMapper mapper = CBORMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .build();
        this.writer = mapper.writerFor(LIST);
        this.reader = mapper.readerFor(LIST);
    }

    public byte[] encode(List<MetadataRecord> records) {
        try {
            return writer.writeValueAsBytes(records);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode metadata records", e);
        }
    }

    public List<MetadataRecord> decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    public List<MetadataRecord> decode(byte[] bytes, int offset, int length) {
        try {
            return List.copyOf(reader.readValue(bytes, offset, length));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot decode metadata records", e);
        }
    }
}
