package io.weir.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The cleaner's fixed-size key map against a HashMap. */
class OffsetMapPropertyTest {
    @Provide
    Arbitrary<List<String>> keys() {
        return Arbitraries.strings().alpha().ofMaxLength(6).list().ofMaxSize(300);
    }

    @Property(tries = 300)
    void holdsTheLatestOffsetOfEveryKeyItHasRoomFor(@ForAll("keys") List<String> keys,
                                                     @ForAll @IntRange(min = 2, max = 400) int slots) {
        OffsetMap map = new OffsetMap(slots * OffsetMap.SLOT_BYTES);
        Map<String, Long> model = new HashMap<>();
        long offset = 0;
        for (String k : keys) {
            if (!model.containsKey(k) && !map.hasRoomFor(1)) {
                break;
            }
            map.put(key(k), offset);
            model.put(k, offset);
            offset += 1 + (k.length() % 3); // gaps, as after an earlier compaction
        }
        assertThat(map.size()).isEqualTo(model.size()).isLessThanOrEqualTo(map.capacity());
        assertThat(map.capacity()).isLessThan(slots);
        model.forEach((k, o) -> assertThat(map.get(key(k))).as(k).isEqualTo(o));
        assertThat(map.get(key("not-a-key-of-the-test"))).isEqualTo(-1);
        map.clear();
        assertThat(map.size()).isZero();
        model.keySet().forEach(k -> assertThat(map.get(key(k))).isEqualTo(-1));
    }

    @Example
    void aFullMapRefusesANewKeyButTakesAKnownOne() {
        OffsetMap map = new OffsetMap(3 * OffsetMap.SLOT_BYTES);
        map.put(key("a"), 1);
        map.put(key("b"), 2);
        assertThat(map.hasRoomFor(1)).isFalse();
        map.put(key("a"), 3);
        assertThat(map.get(key("a"))).isEqualTo(3);
        assertThatThrownBy(() -> map.put(key("c"), 4)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new OffsetMap(OffsetMap.SLOT_BYTES)).isInstanceOf(IllegalArgumentException.class);
    }

    private static ByteBuffer key(String k) {
        return ByteBuffer.wrap(k.getBytes(StandardCharsets.UTF_8));
    }
}
