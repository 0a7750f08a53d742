package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.errors.RecordTooLargeException;

/** The decompression bound is exact: a stream of exactly the bound passes, one byte more does not. */
class StreamRecordReaderPropertyTest {
    @Property(tries = 300)
    void aStreamIsReadToItsEndIfAndOnlyIfItFitsTheBound(@ForAll @IntRange(min = 0, max = 40_000) int length,
                                                        @ForAll @IntRange(min = -3, max = 3) int slack,
                                                        @ForAll @IntRange(min = 1, max = 9_000) int skipStep) {
        long bound = Math.max(0, length + slack);
        InputStream in = new ByteArrayInputStream(new byte[length]);
        try (StreamRecordReader reader = new StreamRecordReader(in, bound)) {
            if (length <= bound) {
                readAll(reader, length, skipStep);
                assertThat(reader.atEnd()).isTrue();
                assertThat(reader.position()).isEqualTo(length);
            } else {
                assertThatThrownBy(() -> {
                    readAll(reader, length, skipStep);
                    reader.atEnd();
                }).isInstanceOf(RecordTooLargeException.class);
            }
        }
    }

    private static void readAll(StreamRecordReader reader, int length, int skipStep) {
        int left = length;
        while (left > 0) {
            int step = Math.min(left, skipStep);
            if (step == 1) {
                reader.nextByte();
            } else {
                reader.skipBytes(step);
            }
            left -= step;
        }
    }
}
