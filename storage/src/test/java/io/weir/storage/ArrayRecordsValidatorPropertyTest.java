package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * {@link ArrayRecordsValidator} accepts exactly the records {@link RecordsValidator} (the
 * field-by-field reader, the reference) accepts, and a batch refused by the fast path fails
 * with the reference's exact error: over records sections written by kafka-clients, over
 * sections built field by field with odd but legal encodings (overlong varints, 10-byte
 * varlongs) and illegal ones (varints too long or too wide, lengths below -1, lengths past
 * the record, wrong offset deltas), all then damaged (bytes overwritten with varint edge
 * values, bits flipped, runs inserted or cut, truncated), with a declared record count that
 * may be off, and placed inside a larger array between bytes that would extend a varint if
 * the validator read past its end; with or without timestamp bounds around the batch's base
 * timestamp (a record out of them refuses the batch on both paths).
 */
class ArrayRecordsValidatorPropertyTest {
    /** Bytes that sit on varint edges: continuation bit, 4 and 7 payload bits, zig-zag sign. */
    private static final int[] EDGE_BYTES = {0x00, 0x01, 0x02, 0x0f, 0x10, 0x7e, 0x7f, 0x80, 0x81, 0xf0, 0xfe, 0xff};

    /** A records section and the record count its batch declares. */
    record Section(byte[] bytes, int count) {
        @Override
        public String toString() {
            return count + " records in " + bytes.length + " bytes " + Arrays.toString(bytes);
        }
    }

    /** One damage: 0 overwrite with an edge byte, 1 flip a bit, 2 insert a run, 3 cut a run, 4 truncate. */
    record Edit(int kind, double at, int value, int length) {
        byte[] applyTo(byte[] b) {
            int n = b.length;
            int pos = Math.min(n, (int) (at * n));
            switch (kind) {
                case 0, 1 -> {
                    if (pos == n) {
                        return b;
                    }
                    byte[] out = b.clone();
                    out[pos] = kind == 0 ? (byte) EDGE_BYTES[value % EDGE_BYTES.length]
                            : (byte) (out[pos] ^ (1 << (value & 7)));
                    return out;
                }
                case 2 -> {
                    byte[] out = new byte[n + length];
                    System.arraycopy(b, 0, out, 0, pos);
                    Arrays.fill(out, pos, pos + length, (byte) EDGE_BYTES[value % EDGE_BYTES.length]);
                    System.arraycopy(b, pos, out, pos + length, n - pos);
                    return out;
                }
                case 3 -> {
                    int cut = Math.min(length, n - pos);
                    byte[] out = new byte[n - cut];
                    System.arraycopy(b, 0, out, 0, pos);
                    System.arraycopy(b, pos + cut, out, pos, n - pos - cut);
                    return out;
                }
                default -> {
                    return Arrays.copyOf(b, pos);
                }
            }
        }
    }

    /** Writes record fields in Kafka's encoding, or in encodings a correct client never writes. */
    private static final class Encoder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        /** A zig-zag varint, padded with {@code padding} redundant continuation bytes (overlong but legal up to 5 or 10). */
        Encoder varint(long value, int padding) {
            long raw = (value << 1) ^ (value >> 63);
            int extra = padding;
            while ((raw & ~0x7fL) != 0 || extra > 0) {
                if ((raw & ~0x7fL) == 0) {
                    extra--;
                }
                out.write((int) ((raw & 0x7f) | 0x80));
                raw >>>= 7;
            }
            out.write((int) raw);
            return this;
        }

        Encoder raw(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        byte[] toArray() {
            return out.toByteArray();
        }
    }

    /** A field-built record: every choice that can make one malformed, each usually not taken. */
    record Field(long length, byte[] bytes) {
    }

    /** How far the offset delta, header count and record length are off their true values. */
    record Shifts(int offsetDelta, int headerCount, int length) {
    }

    /**
     * The timestamp delta: a value, or (when {@code raw} is not empty) raw varlong bytes, the
     * last of which may carry bits beyond 64 or be missing its end.
     */
    record Timestamp(long delta, byte[] raw) {
    }

    record RecordShape(int attributes, Timestamp timestamp, Field key, Field value,
                       List<Tuple.Tuple2<Field, Field>> headers, Shifts shifts, int padding) {
        byte[] encode(int offsetDelta) {
            Encoder body = new Encoder();
            body.raw(new byte[] {(byte) attributes});
            if (timestamp.raw().length > 0) {
                body.raw(timestamp.raw());
            } else {
                body.varint(timestamp.delta(), padding);
            }
            body.varint(offsetDelta + shifts.offsetDelta(), padding);
            field(body, key);
            field(body, value);
            body.varint(headers.size() + shifts.headerCount(), padding);
            for (Tuple.Tuple2<Field, Field> h : headers) {
                field(body, h.get1());
                field(body, h.get2());
            }
            byte[] b = body.toArray();
            return new Encoder().varint(b.length + shifts.length(), padding).raw(b).toArray();
        }

        private void field(Encoder e, Field f) {
            e.varint(f.length(), padding);
            e.raw(f.bytes());
        }
    }

    @Provide
    Arbitrary<Section> sections() {
        Arbitrary<Section> fromProducers = RandomBatches.batches(Arbitraries.just(CompressionType.NONE))
                .map(spec -> {
                    ByteBuffer batch = spec.build().buffer();
                    byte[] records = new byte[batch.remaining() - BatchHeader.SIZE];
                    batch.duplicate().position(batch.position() + BatchHeader.SIZE).get(records);
                    return new Section(records, spec.records().size());
                });
        Arbitrary<Section> fieldBuilt = recordShapes().list().ofMaxSize(6).map(shapes -> {
            Encoder all = new Encoder();
            for (int i = 0; i < shapes.size(); i++) {
                all.raw(shapes.get(i).encode(i));
            }
            return new Section(all.toArray(), shapes.size());
        });
        return Arbitraries.oneOf(fromProducers, fieldBuilt);
    }

    private static Arbitrary<RecordShape> recordShapes() {
        Arbitrary<Integer> mostlyZero = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(-2, 2)));
        Arbitrary<Long> timestampDeltas = Arbitraries.oneOf(Arbitraries.longs().between(-5_000, 5_000),
                Arbitraries.longs(), Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L));
        // 9 to 11 bytes: continuation bytes, then a last byte around the 64-bit edge (a tenth byte may carry 1 bit).
        Arbitrary<byte[]> rawVarlongs = Combinators.combine(Arbitraries.integers().between(8, 10),
                        Arbitraries.integers().between(0, 0x7f), Arbitraries.of(0x00, 0x01, 0x02, 0x03, 0x7f, 0x80, 0xff))
                .as((continued, payload, last) -> {
                    byte[] b = new byte[continued + 1];
                    Arrays.fill(b, (byte) (0x80 | (int) payload));
                    b[continued] = (byte) (int) last;
                    return b;
                });
        Arbitrary<Timestamp> timestamps = Arbitraries.frequencyOf(
                Tuple.of(6, timestampDeltas.map(d -> new Timestamp(d, new byte[0]))),
                Tuple.of(1, rawVarlongs.map(raw -> new Timestamp(0, raw))));
        Arbitrary<Field> field = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.bytes().array(byte[].class).ofMaxSize(150).map(b -> new Field(b.length, b))),
                Tuple.of(2, Arbitraries.just(new Field(-1, new byte[0]))),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(8).flatMap(b -> Arbitraries.of(-3L, -2L,
                        b.length - 1L, b.length + 1L, (long) Integer.MAX_VALUE, 1L << 33).map(l -> new Field(l, b)))));
        Arbitrary<List<Tuple.Tuple2<Field, Field>>> headers = Combinators.combine(field, field).as(Tuple::of)
                .list().ofMaxSize(3);
        Arbitrary<Integer> padding = Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 9)));
        Arbitrary<Shifts> shifts = Combinators.combine(mostlyZero, mostlyZero, mostlyZero).as(Shifts::new);
        return Combinators.combine(Arbitraries.integers().between(0, 255), timestamps, field, field, headers,
                        shifts, padding)
                .as(RecordShape::new);
    }

    @Provide
    Arbitrary<List<Edit>> edits() {
        Arbitrary<Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 4),
                Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(0, 255),
                Arbitraries.integers().between(1, 11)).as(Edit::new);
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(List.of())),
                Tuple.of(2, edit.list().ofMinSize(1).ofMaxSize(3)));
    }

    /** Up to 12 bytes, mostly on varint edges. */
    @Provide
    Arbitrary<byte[]> varintBytes() {
        Arbitrary<Integer> edge = Arbitraries.of(Arrays.stream(EDGE_BYTES).boxed().toArray(Integer[]::new));
        Arbitrary<Integer> any = Arbitraries.integers().between(0, 255);
        Arbitrary<Integer> continued = Arbitraries.integers().between(0x80, 0xff);
        return Arbitraries.frequencyOf(Tuple.of(3, continued), Tuple.of(2, edge), Tuple.of(1, any))
                .list().ofMaxSize(12).map(bytes -> {
                    byte[] b = new byte[bytes.size()];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (byte) (int) bytes.get(i);
                    }
                    return b;
                });
    }

    @Property(tries = 2000)
    void varintsAndVarlongsEndWhereTheFieldByFieldReaderEndsThem(@ForAll("varintBytes") byte[] bytes,
                                                                 @ForAll @IntRange(min = 0, max = 12) int limitSeed) {
        int limit = Math.min(bytes.length, limitSeed);
        BufferRecordReader reader = new BufferRecordReader(ByteBuffer.wrap(bytes), 0, limit);
        long expected;
        try {
            int value = reader.readVarint("varint");
            expected = reader.position() << 32 | (value & 0xffffffffL);
        } catch (InvalidRecordException e) {
            expected = -1;
        }
        assertThat(ArrayRecordsValidator.varint(bytes, 0, limit)).as("varint").isEqualTo(expected);

        reader = new BufferRecordReader(ByteBuffer.wrap(bytes), 0, limit);
        long expectedEnd;
        try {
            reader.readVarlong("varlong");
            expectedEnd = reader.position();
        } catch (InvalidRecordException e) {
            expectedEnd = -1;
        }
        assertThat(ArrayRecordsValidator.skipVarlong(bytes, 0, limit)).as("varlong").isEqualTo((int) expectedEnd);
        if (expectedEnd >= 0) {
            long value = new BufferRecordReader(ByteBuffer.wrap(bytes), 0, limit).readVarlong("varlong");
            assertThat(ArrayRecordsValidator.varlong(bytes, 0, (int) expectedEnd)).as("varlong value").isEqualTo(value);
        }
    }

    /** Record timestamps around the base: none, near, at the wrapping edges, and Kafka's NO_TIMESTAMP. */
    @Provide
    Arbitrary<Long> baseTimestamps() {
        return Arbitraries.oneOf(Arbitraries.of(0L, -1L, 1_700_000_000_000L, Long.MIN_VALUE, Long.MAX_VALUE),
                Arbitraries.longs());
    }

    /** No bounds (a LogAppendTime or unbounded log), or bounds a few seconds around a clock near the base. */
    @Provide
    Arbitrary<Optional<TimestampBounds>> bounds() {
        Arbitrary<Long> window = Arbitraries.oneOf(Arbitraries.longs().between(0, 6_000),
                Arbitraries.just(Long.MAX_VALUE));
        Arbitrary<Optional<TimestampBounds>> some = Combinators.combine(
                        Arbitraries.longs().between(-6_000, 6_000), window, window)
                .as((now, before, after) -> Optional.of(new TimestampBounds(now, before, after)));
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(Optional.empty())), Tuple.of(2, some));
    }

    @Provide
    Arbitrary<Integer> countShifts() {
        return Arbitraries.frequencyOf(Tuple.of(10, Arbitraries.just(0)),
                Tuple.of(3, Arbitraries.integers().between(-2, 2)),
                Tuple.of(1, Arbitraries.of(Integer.MAX_VALUE / 2, Integer.MIN_VALUE / 2)));
    }

    @Property(tries = 3000)
    void acceptsExactlyWhatTheFieldByFieldReaderAccepts(@ForAll("sections") Section section,
                                                        @ForAll("edits") List<Edit> edits,
                                                        @ForAll("countShifts") int countShift,
                                                        @ForAll boolean requireKeys,
                                                        @ForAll @IntRange(min = 0, max = 12) int before,
                                                        @ForAll @IntRange(min = 0, max = 12) int after,
                                                        @ForAll @IntRange(min = 0, max = 255) int surrounding,
                                                        @ForAll("baseTimestamps") long baseTimestamp,
                                                        @ForAll("bounds") Optional<TimestampBounds> nearBase) {
        // The clock near the base, so that some deltas fall inside the bounds and some outside.
        TimestampBounds bounds = nearBase.map(b -> new TimestampBounds(baseTimestamp + b.now(), b.beforeMaxMs(),
                b.afterMaxMs())).orElse(null);
        byte[] records = section.bytes();
        for (Edit e : edits) {
            records = e.applyTo(records);
        }
        int count = section.count() + countShift;
        // The section inside a larger array, between bytes a validator reading past its ends would see.
        byte[] array = new byte[before + records.length + after];
        Arrays.fill(array, (byte) surrounding);
        System.arraycopy(records, 0, array, before, records.length);

        Optional<ApiException> reference = reference(array, before, before + records.length, count,
                requireKeys, baseTimestamp, bounds);
        boolean fast = ArrayRecordsValidator.isValid(array, before, before + records.length, count, requireKeys,
                baseTimestamp, bounds);

        assertThat(fast).as("fast verdict; reference: %s", reference).isEqualTo(reference.isEmpty());
        Statistics.label("verdict").collect(fast ? "accepted" : "refused");
        Statistics.label("timestamps").collect(reference.map(e -> e instanceof InvalidRecordTimestampsException)
                .orElse(false) ? "refused" : "not refused");
        Statistics.label("timestamps").coverage(c -> c.check("refused").percentage(p -> p > 2));
        Statistics.label("verdict").coverage(c -> {
            c.check("accepted").percentage(p -> p > 5);
            c.check("refused").percentage(p -> p > 30);
        });
    }

    @Property(tries = 500)
    void aBatchIsRefusedWithTheReferenceErrorOnAHeapOrDirectBuffer(@ForAll("sections") Section section,
                                                                   @ForAll("edits") List<Edit> edits,
                                                                   @ForAll @IntRange(min = -1, max = 1) int countShift,
                                                                   @ForAll boolean requireKeys) {
        byte[] records = section.bytes();
        for (Edit e : edits) {
            records = e.applyTo(records);
        }
        int count = Math.max(1, section.count() + countShift);
        MemoryRecords heap = RawBatches.batch(records, count);
        ByteBuffer direct = ByteBuffer.allocateDirect(heap.sizeInBytes()).put(heap.buffer().duplicate()).flip();

        Optional<InvalidRecordException> reference = reference(records, 0, records.length, count, requireKeys);
        for (MemoryRecords batch : List.of(heap, MemoryRecords.readableRecords(direct))) {
            Optional<Throwable> thrown = Optional.empty();
            try {
                BatchValidator.validate(batch, Integer.MAX_VALUE, true, requireKeys);
            } catch (InvalidRecordException e) {
                thrown = Optional.of(e);
            }
            assertThat(thrown.map(Throwable::getMessage)).isEqualTo(reference.map(Throwable::getMessage));
        }
    }

    private static Optional<InvalidRecordException> reference(byte[] array, int from, int to, int count,
                                                               boolean requireKeys) {
        return reference(array, from, to, count, requireKeys, 0, null)
                .map(e -> (InvalidRecordException) e);
    }

    private static Optional<ApiException> reference(byte[] array, int from, int to, int count, boolean requireKeys,
                                                    long baseTimestamp, TimestampBounds bounds) {
        try {
            RecordsValidator.validate(new BufferRecordReader(ByteBuffer.wrap(array), from, to), count, requireKeys,
                    baseTimestamp, bounds);
            return Optional.empty();
        } catch (InvalidRecordException | InvalidRecordTimestampsException e) {
            return Optional.of(e);
        }
    }
}
