package io.weir.bench.compare;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The two failovers, measured with a plain kafka-clients producer and admin client at their
 * default settings (what an application sees): kill -9 of a partition leader that is not the
 * active controller, then the time to the first acknowledged write to that partition sent after
 * the kill; kill -9 of the active controller, then the time to the first successful topic creation.
 */
final class Failovers {
    /** A failover's time in ms and the operations around it. */
    record Outcome(double failoverMs, int victim, List<Results.TimelinePoint> timeline) {
    }

    private static final Duration LIMIT = Duration.ofSeconds(120);
    private static final long PACE_MS = 10;

    private Failovers() {
    }

    static Outcome partitionLeader(LocalCluster cluster, Admin admin, String topic) throws Exception {
        int controller = cluster.activeController(admin);
        TopicDescription d = admin.describeTopics(Set.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        TopicPartitionInfo p = d.partitions().stream()
                .filter(i -> i.leader() != null && i.leader().id() != controller && i.isr().size() == i.replicas().size())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no fully replicated partition of " + topic
                        + " led by a node other than the controller " + controller + ": " + d));
        int victim = p.leader().id();
        List<Results.TimelinePoint> timeline = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0), new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] value = new byte[100];
            List<long[]> writes = new ArrayList<>(); // {sent, acked} in System.nanoTime()
            long start = System.nanoTime();
            long killedAt = -1;
            while (true) {
                if (killedAt < 0 && System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(500)) {
                    cluster.kill(victim);
                    killedAt = System.nanoTime();
                }
                if (killedAt > 0 && System.nanoTime() - killedAt > LIMIT.toNanos()) {
                    throw new IllegalStateException("no write to " + topic + "-" + p.partition() + " acknowledged within "
                            + LIMIT + " of killing its leader " + victim);
                }
                long sent = System.nanoTime();
                try {
                    producer.send(new ProducerRecord<>(topic, p.partition(), null, value)).get();
                } catch (ExecutionException e) {
                    Thread.sleep(PACE_MS); // this write's delivery timed out: the next one
                    continue;
                }
                long acked = System.nanoTime();
                writes.add(new long[] {sent, acked});
                if (killedAt > 0 && sent >= killedAt) {
                    for (long[] w : writes) timeline.add(point(killedAt, w[0], w[1]));
                    return new Outcome(ms(acked - killedAt), victim, timeline);
                }
                Thread.sleep(PACE_MS);
            }
        }
    }

    static Outcome controller(LocalCluster cluster, Admin admin, String topic) throws Exception {
        int victim = cluster.activeController(admin);
        List<Results.TimelinePoint> timeline = new ArrayList<>();
        cluster.kill(victim);
        long killedAt = System.nanoTime();
        while (System.nanoTime() - killedAt < LIMIT.toNanos()) {
            long sent = System.nanoTime();
            try {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)), new CreateTopicsOptions().timeoutMs(5_000))
                        .all().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    timeline.add(point(killedAt, sent, System.nanoTime()));
                    Thread.sleep(PACE_MS);
                    continue;
                }
            } catch (java.util.concurrent.TimeoutException e) {
                timeline.add(point(killedAt, sent, System.nanoTime()));
                continue;
            }
            long done = System.nanoTime();
            timeline.add(point(killedAt, sent, done));
            return new Outcome(ms(done - killedAt), victim, timeline);
        }
        throw new IllegalStateException("no topic created within " + LIMIT + " of killing the controller " + victim);
    }

    private static Results.TimelinePoint point(long killedAt, long sent, long done) {
        return new Results.TimelinePoint(ms(sent - killedAt), ms(done - sent));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
