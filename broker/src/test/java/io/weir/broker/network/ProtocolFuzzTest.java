package io.weir.broker.network;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.util.internal.PlatformDependent;
import io.weir.broker.node.NodeConfig;
import io.weir.broker.node.WeirNode;
import io.weir.broker.testing.RawKafkaClient;
import io.weir.broker.testing.ReadBack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A seeded protocol fuzzer for every API the node advertises: random, truncated, bit-flipped and
 * oversized frames, size prefixes up to 2^31-1, valid headers with garbage bodies, and valid
 * bodies at the wrong version. Afterwards the node must be up, must hold no request memory, must
 * not have grown its direct memory or heap beyond a bound, must not have logged a flood of
 * errors, and real kafka-clients producer, consumer and admin must work, every record read back.
 *
 * <p>{@code -Dweir.fuzz.seed=N} replays a run (the seed is printed); {@code weir.fuzz.seconds}
 * (20) sets its length; {@code mvn verify -Pfuzz} runs a long one.
 */
class ProtocolFuzzTest {
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(ProtocolFuzzTest.class);
    private static final int MAX_REQUEST_BYTES = 8 * 1024 * 1024;
    private static final int SENDERS = 4;

    /** The shapes of bad input, each a way a broken client or an attacker may talk. */
    enum Shape { RANDOM_BYTES, TRUNCATED, BIT_FLIPPED, OVERSIZED_PREFIX, LARGE_PREFIX_THEN_CLOSE, GARBAGE_BODY,
        WRONG_VERSION, VALID_EMPTY }

    @TempDir
    Path dir;
    private WeirNode node;
    private final CountingAppender appender = new CountingAppender();

    @BeforeEach
    void start() throws Exception {
        node = WeirNode.start(NodeConfig.parse("""
                node.id: 1
                data.dir: %s
                listeners:
                  kafka: 127.0.0.1:0
                coordination:
                  backend: local
                broker.heartbeat.interval.ms: 100
                group.initial.rebalance.delay.ms: 0
                socket.request.max.bytes: %d
                """.formatted(dir.resolve("node-1"), MAX_REQUEST_BYTES)));
        node.awaitReady(Duration.ofSeconds(30));
        appender.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(appender);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(appender);
        node.close();
    }

    @Test
    void badFramesForEveryApiNeitherCrashNorLeakNorFlood() throws Exception {
        long seed = Long.getLong("weir.fuzz.seed", System.nanoTime());
        long seconds = Long.getLong("weir.fuzz.seconds", 20);
        log.info("Protocol fuzz: seed {} (replay with -Dweir.fuzz.seed={}), {} s", seed, seed, seconds);
        System.out.println("Protocol fuzz seed: " + seed);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", node.kafkaPort());
        List<ApiVersionsResponseData.ApiVersion> apis = advertised(address);
        assertThat(apis).hasSizeGreaterThan(20);

        System.gc();
        long heapBefore = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long directBefore = directBytes();
        Map<Shape, AtomicInteger> frames = new ConcurrentHashMap<>();
        AtomicInteger connections = new AtomicInteger();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        // Each sender's frames follow from the seed alone; only their interleaving varies.
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < SENDERS; t++) {
            Random random = new Random(seed + t);
            Thread sender = new Thread(() -> fuzz(address, apis, random, deadline, frames, connections), "fuzz-" + t);
            sender.start();
            senders.add(sender);
        }
        for (Thread sender : senders) sender.join(TimeUnit.SECONDS.toMillis(seconds + 30));
        int total = frames.values().stream().mapToInt(AtomicInteger::get).sum();
        assertThat(senders).noneMatch(Thread::isAlive);
        log.info("Protocol fuzz: {} frames over {} connections: {}", total, connections, frames);
        System.out.println("Protocol fuzz: " + total + " frames over " + connections + " connections " + frames);

        // Every request byte the node held comes back once the connections are gone.
        await().atMost(Duration.ofSeconds(30)).until(() -> node.kafkaServer().queuedRequestBytes() == 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> node.kafkaServer().connectionCount() == 0);
        System.gc();
        long heapGrowth = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() - heapBefore;
        long directGrowth = directBytes() - directBefore;
        log.info("Protocol fuzz: heap growth {} bytes, direct growth {} bytes; log events with stack traces {}, "
                + "errors {}", heapGrowth, directGrowth, appender.withThrowable, appender.errors);
        assertThat(directGrowth).as("direct memory growth").isLessThan(32L * 1024 * 1024);
        assertThat(heapGrowth).as("heap growth after GC").isLessThan(128L * 1024 * 1024);
        // Rate-limited: at most one per kind of failure and interval, never one per bad frame.
        assertThat(appender.errors.get()).as("ERROR events: %s", appender.firstErrors).isLessThan(10);
        assertThat(appender.withThrowable.get()).as("events with stack traces: %s", appender.firstErrors)
                .isLessThan(Math.max(20, total / 100));

        clientsStillWork();
    }

    /** One sender: connections of one to four frames each, until the deadline. */
    private static void fuzz(InetSocketAddress address, List<ApiVersionsResponseData.ApiVersion> apis, Random random,
                             long deadline, Map<Shape, AtomicInteger> frames, AtomicInteger connections) {
        while (System.nanoTime() < deadline) {
            connections.incrementAndGet();
            try (Socket socket = new Socket()) {
                socket.connect(address, 5_000);
                socket.setSoTimeout(30);
                OutputStream out = socket.getOutputStream();
                int count = 1 + random.nextInt(4);
                for (int i = 0; i < count; i++) {
                    Shape shape = Shape.values()[random.nextInt(Shape.values().length)];
                    byte[] bytes = frame(shape, apis, random);
                    frames.computeIfAbsent(shape, s -> new AtomicInteger()).incrementAndGet();
                    try {
                        out.write(bytes);
                    } catch (IOException closedByNode) {
                        break;
                    }
                    if (shape == Shape.TRUNCATED || shape == Shape.LARGE_PREFIX_THEN_CLOSE) break;
                }
                drain(socket.getInputStream());
            } catch (IOException e) {
                // the node closed or reset the connection: an allowed answer to bad input
            }
        }
    }

    private void clientsStillWork() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            admin.createTopics(List.of(new NewTopic("after-fuzz", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("after-fuzz");
        }
        Map<Integer, List<String>> sent = Map.of(0, new ArrayList<>(), 1, new ArrayList<>());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int i = 0; i < 100; i++) {
                int partition = i % 2;
                String value = "after-" + i;
                producer.send(new ProducerRecord<>("after-fuzz", partition, null, value)).get(30, TimeUnit.SECONDS);
                sent.get(partition).add(value);
            }
        }
        Map<Integer, List<String>> read = ReadBack.values(node.bootstrapServers(), "after-fuzz", 2, sent,
                Duration.ofSeconds(30));
        assertThat(read.get(0)).containsExactlyElementsOf(sent.get(0));
        assertThat(read.get(1)).containsExactlyElementsOf(sent.get(1));
    }

    private static List<ApiVersionsResponseData.ApiVersion> advertised(InetSocketAddress address) throws IOException {
        try (RawKafkaClient client = new RawKafkaClient(address)) {
            ApiVersionsResponse response = (ApiVersionsResponse) client.roundTrip(ApiKeys.API_VERSIONS, (short) 3, 1,
                    new ApiVersionsRequestData().setClientSoftwareName("fuzz").setClientSoftwareVersion("1"));
            return new ArrayList<>(response.data().apiKeys());
        }
    }

    /** One frame of {@code shape} for a random advertised API and version, size prefix included. */
    static byte[] frame(Shape shape, List<ApiVersionsResponseData.ApiVersion> apis, Random random) {
        ApiVersionsResponseData.ApiVersion api = apis.get(random.nextInt(apis.size()));
        ApiKeys key = ApiKeys.forId(api.apiKey());
        short version = (short) (api.minVersion() + random.nextInt(api.maxVersion() - api.minVersion() + 1));
        return switch (shape) {
            case RANDOM_BYTES -> withPrefix(randomBytes(random, random.nextInt(2_048)));
            case TRUNCATED -> {
                byte[] whole = withPrefix(valid(key, version, version, random));
                yield java.util.Arrays.copyOf(whole, Integer.BYTES + random.nextInt(whole.length - Integer.BYTES + 1));
            }
            case BIT_FLIPPED -> {
                byte[] bytes = withPrefix(valid(key, version, version, random));
                int flips = 1 + random.nextInt(8);
                for (int i = 0; i < flips && bytes.length > Integer.BYTES; i++) {
                    int at = Integer.BYTES + random.nextInt(bytes.length - Integer.BYTES);
                    bytes[at] ^= (byte) (1 << random.nextInt(8));
                }
                yield bytes;
            }
            case OVERSIZED_PREFIX -> {
                int size = random.nextBoolean() ? MAX_REQUEST_BYTES + 1 + random.nextInt(Integer.MAX_VALUE - MAX_REQUEST_BYTES)
                        : random.nextBoolean() ? Integer.MAX_VALUE : -1 - random.nextInt(Integer.MAX_VALUE);
                yield ByteBuffer.allocate(Integer.BYTES + 64).putInt(size).array();
            }
            case LARGE_PREFIX_THEN_CLOSE -> {
                byte[] part = randomBytes(random, random.nextInt(64 * 1024));
                yield ByteBuffer.allocate(Integer.BYTES + part.length)
                        .putInt(part.length + 1 + random.nextInt(MAX_REQUEST_BYTES - part.length)).put(part).array();
            }
            case GARBAGE_BODY -> {
                byte[] header = header(key, version, random);
                byte[] body = randomBytes(random, random.nextInt(512));
                yield withPrefix(ByteBuffer.allocate(header.length + body.length).put(header).put(body).array());
            }
            case WRONG_VERSION -> {
                short other = (short) (key.oldestVersion() + random.nextInt(key.latestVersion() - key.oldestVersion() + 1));
                yield withPrefix(valid(key, version, other, random));
            }
            case VALID_EMPTY -> withPrefix(valid(key, version, version, random));
        };
    }

    /** A request of {@code key} with default fields: the header says {@code headerVersion}, the body is written at {@code bodyVersion}. */
    private static byte[] valid(ApiKeys key, short headerVersion, short bodyVersion, Random random) {
        byte[] header = header(key, headerVersion, random);
        ApiMessage body = ApiMessageType.fromApiKey(key.id).newRequest();
        try {
            ObjectSerializationCache cache = new ObjectSerializationCache();
            ByteBuffer buffer = ByteBuffer.allocate(header.length + body.size(cache, bodyVersion));
            buffer.put(header);
            body.write(new ByteBufferAccessor(buffer), cache, bodyVersion);
            return buffer.array();
        } catch (RuntimeException notWritableAtThatVersion) {
            return header;
        }
    }

    private static byte[] header(ApiKeys key, short version, Random random) {
        RequestHeader header = new RequestHeader(key, version, random.nextInt(10) == 0 ? null : "fuzz", random.nextInt());
        ObjectSerializationCache cache = new ObjectSerializationCache();
        short headerVersion = key.requestHeaderVersion(version);
        ByteBuffer buffer = ByteBuffer.allocate(header.data().size(cache, headerVersion));
        header.data().write(new ByteBufferAccessor(buffer), cache, headerVersion);
        return buffer.array();
    }

    private static byte[] withPrefix(byte[] payload) {
        return ByteBuffer.allocate(Integer.BYTES + payload.length).putInt(payload.length).put(payload).array();
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Reads whatever the node answers until it closes or goes quiet for the socket timeout. */
    private static void drain(InputStream in) throws IOException {
        byte[] sink = new byte[8192];
        try {
            while (in.read(sink) != -1) {
                // answers to frames that were valid enough
            }
        } catch (SocketTimeoutException quiet) {
            // a long-poll Fetch or an incomplete frame: the test closes the connection
        }
    }

    private static long directBytes() {
        long nio = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) nio = pool.getMemoryUsed();
        }
        return nio + Math.max(0, PlatformDependent.usedDirectMemory());
    }

    /** Counts ERROR events and events carrying a stack trace, keeping the first few for the failure message. */
    private static final class CountingAppender extends AppenderBase<ILoggingEvent> {
        final AtomicInteger errors = new AtomicInteger();
        final AtomicInteger withThrowable = new AtomicInteger();
        final Map<String, Integer> firstErrors = new ConcurrentHashMap<>();

        @Override
        protected void append(ILoggingEvent event) {
            boolean error = event.getLevel().isGreaterOrEqual(Level.ERROR);
            boolean throwable = event.getThrowableProxy() != null;
            if (error) errors.incrementAndGet();
            if (throwable) withThrowable.incrementAndGet();
            if ((error || throwable) && firstErrors.size() < 20) {
                String key = event.getLevel() + " " + event.getLoggerName() + ": " + event.getFormattedMessage()
                        + (throwable ? " " + event.getThrowableProxy().getClassName() + ": "
                        + event.getThrowableProxy().getMessage() : "");
                firstErrors.merge(key.length() > 300 ? key.substring(0, 300) : key, 1, Integer::sum);
            }
        }
    }
}
