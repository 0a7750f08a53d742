package io.weir.broker.network;

import io.weir.broker.testing.Images;
import io.weir.broker.testing.TestBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every API the node serves, at every version it advertises, gets a valid header followed by
 * random bytes; then a real producer and consumer must still work. The seed is fixed so a
 * failure reproduces.
 */
class GarbageInputTest {
    private static final long SEED = 0x5eed_2026L;

    @TempDir
    Path dataDir;
    private TestBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = new TestBroker(1, dataDir);
        broker.metadata.publish(new Images().broker(1, broker.port()).topic("survivor", 1, 1).build());
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void randomBodiesForEveryAdvertisedApiNeverTakeTheNodeDown() throws Exception {
        Random random = new Random(SEED);
        int frames = 0;
        for (ApiKeys api : ApiKeys.values()) {
            for (short v = api.oldestVersion(); v <= api.latestVersion(); v++) {
                if (!broker.registry.isSupported(api, v)) continue;
                for (int attempt = 0; attempt < 3; attempt++) {
                    byte[] body = new byte[random.nextInt(300)];
                    random.nextBytes(body);
                    sendAndSurvive(frame(api, v, body));
                    frames++;
                }
            }
        }
        assertThat(frames).isGreaterThan(100);

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000))) {
            producer.send(new ProducerRecord<>("survivor", 0, null, "still here")).get(15, TimeUnit.SECONDS);
        }
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000))) {
            TopicPartition tp = new TopicPartition("survivor", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
            }
        }
        assertThat(values).containsExactly("still here");
    }

    /** Sends one frame; the node may answer or close, but must do one of them promptly. */
    private void sendAndSurvive(ByteBuffer frame) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(broker.server.boundAddress(), 5_000);
            socket.setSoTimeout(5_000);
            byte[] bytes = new byte[frame.remaining()];
            frame.get(bytes);
            socket.getOutputStream().write(bytes);
            InputStream in = socket.getInputStream();
            try {
                in.read(); // a response byte or EOF: either way the node decided
            } catch (SocketTimeoutException e) {
                // A long-poll Fetch or an acks=all Produce may legitimately wait; the connection must
                // still work, which the real clients below check for the node as a whole.
            } catch (IOException reset) {
                // closed by the node
            }
        }
    }

    private static ByteBuffer frame(ApiKeys api, short version, byte[] body) {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
                .setCorrelationId(1).setClientId("fuzz");
        short headerVersion = api.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int headerSize = header.size(cache, headerVersion);
        ByteBuffer buffer = ByteBuffer.allocate(4 + headerSize + body.length);
        buffer.putInt(headerSize + body.length);
        header.write(new ByteBufferAccessor(buffer), cache, headerVersion);
        buffer.put(body);
        return buffer.flip();
    }
}
