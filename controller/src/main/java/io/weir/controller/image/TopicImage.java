package io.weir.controller.image;

import java.util.Map;
import java.util.UUID;

/** A topic and its partitions (partition index to registration). */
public record TopicImage(String name, UUID id, Map<Integer, PartitionRegistration> partitions) {
    public TopicImage {
        partitions = Map.copyOf(partitions);
    }

    public PartitionRegistration partition(int index) {
        return partitions.get(index);
    }

    public int partitionCount() {
        return partitions.size();
    }
}
