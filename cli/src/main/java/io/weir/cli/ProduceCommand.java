package io.weir.cli;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code weir produce TOPIC}: one record per line of standard input. */
@Command(mixinStandardHelpOptions = true, name = "produce", description = "Send each line of standard input as a record.")
final class ProduceCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;
    @Parameters(index = "0", description = "topic name")
    String topic;
    @Option(names = "--key-separator", description = "split each line into key and value at this string")
    String keySeparator;
    @Option(names = "--acks", defaultValue = "all")
    String acks;

    @Override
    public Integer call() throws Exception {
        int sent = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(client.config(Map.of(
                ProducerConfig.ACKS_CONFIG, acks,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000)));
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String key = null;
                String value = line;
                int at = keySeparator == null ? -1 : line.indexOf(keySeparator);
                if (at >= 0) {
                    key = line.substring(0, at);
                    value = line.substring(at + keySeparator.length());
                }
                producer.send(new ProducerRecord<>(topic, key, value)).get(60, TimeUnit.SECONDS);
                sent++;
            }
        }
        System.err.println("Sent " + sent + " records to " + topic);
        return 0;
    }
}
