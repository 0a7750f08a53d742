package io.weir.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Values of any size split into znode-sized pieces and put back together, or refused when damaged. */
class ZooKeeperBlobTest {

    @Test
    void valuesOfEverySizeRoundTrip() {
        Random random = new Random(7);
        for (int size : new int[] {0, 1, 99, 100, 101, 250, 1000}) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            Blob.Encoded e = Blob.encode(3, 42, payload, 100);
            assertThat(e.chunks()).hasSize(Math.max(0, (size + 99) / 100 - 1));
            assertThat(e.head().length).isLessThanOrEqualTo(Blob.HEADER_BYTES + 100);
            assertThat(Blob.assemble(e.head(), e.chunks())).isEqualTo(payload);
            assertThat(Blob.header(e.head())).extracting(Blob.Header::epoch, Blob.Header::token)
                .containsExactly(3L, 42L);
        }
    }

    @Test
    void aMissingOrDamagedPieceIsRefused() {
        byte[] payload = new byte[350];
        new Random(1).nextBytes(payload);
        Blob.Encoded e = Blob.encode(1, 1, payload, 100);

        assertThatThrownBy(() -> Blob.assemble(e.head(), e.chunks().subList(0, 2)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pieces");
        List<byte[]> damaged = new ArrayList<>(e.chunks());
        byte[] piece = damaged.get(1).clone();
        piece[5] ^= 1;
        damaged.set(1, piece);
        assertThatThrownBy(() -> Blob.assemble(e.head(), damaged)).hasMessageContaining("CRC");
        assertThatThrownBy(() -> Blob.header(new byte[] {1, 2, 3})).isInstanceOf(IllegalArgumentException.class);
    }
}
