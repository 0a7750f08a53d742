package io.weir.cli;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code weir consume TOPIC}: prints records of every partition (assign, no consumer group)
 * until {@code --max-messages} are printed or nothing arrives for {@code --timeout-ms}.
 */
@Command(mixinStandardHelpOptions = true, name = "consume", description = "Print records of a topic (all partitions, no consumer group).")
final class ConsumeCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;
    @Parameters(index = "0", description = "topic name")
    String topic;
    @Option(names = "--from-beginning", description = "start at the earliest offset instead of the end")
    boolean fromBeginning;
    @Option(names = "--max-messages", defaultValue = "" + Long.MAX_VALUE)
    long maxMessages;
    @Option(names = "--timeout-ms", defaultValue = "10000", description = "stop after this long without records")
    long timeoutMs;
    @Option(names = "--print-key")
    boolean printKey;

    @Override
    public Integer call() throws Exception {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(client.config(Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)))) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            if (fromBeginning) consumer.seekToBeginning(partitions);
            else consumer.seekToEnd(partitions);
            long printed = 0;
            long idleSince = System.nanoTime();
            while (printed < maxMessages && System.nanoTime() - idleSince < timeoutMs * 1_000_000) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    System.out.println(printKey ? r.key() + "\t" + r.value() : r.value());
                    idleSince = System.nanoTime();
                    if (++printed >= maxMessages) break;
                }
            }
            System.err.println("Consumed " + printed + " records");
            return 0;
        }
    }
}
