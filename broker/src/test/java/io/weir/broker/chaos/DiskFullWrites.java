package io.weir.broker.chaos;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;

/** The writes of the disk-full test and measurement: one 1-partition topic filled with 8 KiB records. */
final class DiskFullWrites {
    static final String TOPIC = "full";
    static final String PAD = "p".repeat(8 * 1024);

    private DiskFullWrites() {
    }

    static void createTopic(String bootstrap) {
        try (Admin admin = ChaosTopic.admin(bootstrap)) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                try {
                    admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
                return true;
            });
        }
    }

    /**
     * Sends 8 KiB records with {@code producer} (no retries, so each refusal is seen as the broker
     * answered it) in windows of 200, until a window has refusals; then two more windows.
     *
     * @param classify the key a refusal is counted under in {@code failures}
     * @return records sent
     */
    static int writeUntilRefused(KafkaProducer<String, String> producer, int maxSent, Map<Long, String> acked,
                                 Map<String, Integer> failures, Function<Throwable, String> classify)
            throws Exception {
        int sent = 0;
        int windowsAfterFull = 0;
        while (windowsAfterFull < 3 && sent < maxSent) {
            Map<String, Future<RecordMetadata>> window = new LinkedHashMap<>();
            for (int i = 0; i < 200; i++, sent++) {
                String value = sent + ":" + PAD;
                window.put(value, producer.send(new ProducerRecord<>(TOPIC, 0, null, value)));
            }
            int refused = 0;
            for (Map.Entry<String, Future<RecordMetadata>> e : window.entrySet()) {
                try {
                    acked.put(e.getValue().get(60, TimeUnit.SECONDS).offset(), e.getKey());
                } catch (ExecutionException failed) {
                    refused++;
                    failures.merge(classify.apply(failed.getCause()), 1, Integer::sum);
                }
            }
            if (refused > 0) {
                windowsAfterFull++;
            }
        }
        return sent;
    }
}
