package io.weir.replication;

import io.weir.storage.AtomicFile;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Comparator;
import java.util.UUID;

/**
 * Which topic id each local partition log belongs to, kept beside the logs so that a node
 * restarted after its topic was deleted and recreated under the same name does not serve the
 * old topic's records as the new one's. One line per log, {@code <topic-id> <partition> <topic>};
 * rewritten whole through {@link AtomicFile} (temporary file, fsync, atomic rename, fsync of
 * the directory), so a crash or power loss leaves the old file or the new one.
 */
final class TopicIdFile {
    private final Path file;

    TopicIdFile(Path file) {
        this.file = file;
    }

    Map<TopicPartition, UUID> load() {
        Map<TopicPartition, UUID> owners = new HashMap<>();
        if (!Files.exists(file)) return owners;
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] parts = line.split(" ", 3);
                if (parts.length != 3) continue; // a torn line from a crash mid-write of an older format
                owners.put(new TopicPartition(parts[2], Integer.parseInt(parts[1])), UUID.fromString(parts[0]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("corrupt topic id file " + file, e);
        }
        return owners;
    }

    void store(Map<TopicPartition, UUID> owners) {
        StringBuilder text = new StringBuilder();
        owners.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<TopicPartition, UUID> e) -> e.getKey().topic())
                        .thenComparingInt(e -> e.getKey().partition()))
                .forEach(e -> text.append(e.getValue()).append(' ').append(e.getKey().partition()).append(' ')
                        .append(e.getKey().topic()).append('\n'));
        AtomicFile.writeUtf8(file, text);
    }
}
