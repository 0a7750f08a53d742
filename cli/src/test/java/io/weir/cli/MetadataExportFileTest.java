package io.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.controller.coordination.StoredMetadata;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.TopicRecord;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MetadataExportFileTest {
    private final MetadataExportFile file = new MetadataExportFile("c1", "ratis",
        new StoredMetadata(MetadataImage.fromRecords(17, List.of(new TopicRecord("t", new UUID(1, 2)))), 3));

    @Test
    void anExportDecodesToWhatWasEncoded() {
        assertThat(MetadataExportFile.decode(file.encode())).isEqualTo(file);
    }

    @Test
    void aDamagedOrTruncatedExportIsRefusedWithItsReason() {
        byte[] bytes = file.encode();
        byte[] flipped = bytes.clone();
        flipped[bytes.length / 2] ^= 1;
        assertThatThrownBy(() -> MetadataExportFile.decode(flipped)).hasMessageContaining("checksum");
        assertThatThrownBy(() -> MetadataExportFile.decode(Arrays.copyOf(bytes, bytes.length - 3)))
            .hasMessageContaining("checksum");
        assertThatThrownBy(() -> MetadataExportFile.decode("hello".getBytes()))
            .hasMessageContaining("not a Weir metadata export");
    }
}
