package io.weir.broker.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a topic back with a real consumer, for tests that check what producers were told. */
public final class ReadBack {
    private ReadBack() {
    }

    /**
     * Reads every partition of {@code topic} from the beginning until each partition holds all of
     * {@code expected}'s values for it (or {@code timeout} passes; a leader that restarted may
     * expose its records only once its followers fetch again), then polls once more so that a
     * duplicate right after the last expected record shows up too.
     *
     * @return the values read, per partition, in log order
     */
    public static Map<Integer, List<String>> values(String bootstrap, String topic, int partitions,
            Map<Integer, List<String>> expected, Duration timeout) {
        Map<Integer, List<String>> read = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !containsAll(read, expected)) {
                poll(consumer, Duration.ofMillis(500), read);
            }
            poll(consumer, Duration.ofSeconds(2), read);
        }
        return read;
    }

    private static void poll(KafkaConsumer<String, String> consumer, Duration wait, Map<Integer, List<String>> into) {
        for (ConsumerRecord<String, String> r : consumer.poll(wait)) {
            into.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.value());
        }
    }

    private static boolean containsAll(Map<Integer, List<String>> read, Map<Integer, List<String>> expected) {
        return expected.entrySet().stream().allMatch(e -> new HashSet<>(read.getOrDefault(e.getKey(), List.of()))
                .containsAll(e.getValue()));
    }
}
