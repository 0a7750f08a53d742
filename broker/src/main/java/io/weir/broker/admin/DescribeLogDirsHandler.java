package io.weir.broker.admin;

import io.weir.broker.api.ApiHandler;
import io.weir.replication.Partition;
import io.weir.replication.ReplicaManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;
import org.apache.kafka.common.requests.DescribeLogDirsResponse;
import org.apache.kafka.common.requests.RequestContext;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeLogDirs: this node's one log directory with each hosted partition's size in bytes and
 * offset lag (how far its log end is behind its high watermark, Kafka's definition for a
 * current replica; 0 on a leader). Weir has one directory per node and never moves a replica
 * between directories, so there are no future replicas. Null topics means every partition.
 */
public final class DescribeLogDirsHandler implements ApiHandler<DescribeLogDirsRequest> {
    private final ReplicaManager replicas;

    public DescribeLogDirsHandler(ReplicaManager replicas) {
        this.replicas = replicas;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, DescribeLogDirsRequest request) {
        DescribeLogDirsRequestData in = request.data();
        Set<TopicPartition> asked = null;
        if (in.topics() != null) {
            asked = new HashSet<>();
            for (DescribeLogDirsRequestData.DescribableLogDirTopic t : in.topics()) {
                for (int p : t.partitions()) asked.add(new TopicPartition(t.topic(), p));
            }
        }
        Map<String, DescribeLogDirsTopic> topics = new TreeMap<>();
        List<Partition> hosted = new ArrayList<>(replicas.hostedPartitions());
        hosted.sort(Comparator.comparingInt(p -> p.topicPartition().partition()));
        for (Partition partition : hosted) {
            TopicPartition tp = partition.topicPartition();
            if (asked != null && !asked.contains(tp)) continue;
            long size;
            long logEnd;
            long highWatermark;
            try {
                size = partition.sizeInBytes();
                logEnd = partition.logEndOffset();
                highWatermark = partition.highWatermark();
            } catch (RuntimeException e) {
                // The partition left this node (its log was closed) while we were looking.
                continue;
            }
            topics.computeIfAbsent(tp.topic(), name -> new DescribeLogDirsTopic().setName(name)).partitions()
                    .add(new DescribeLogDirsPartition().setPartitionIndex(tp.partition()).setPartitionSize(size)
                            .setOffsetLag(Math.max(highWatermark - logEnd, 0)).setIsFutureKey(false));
        }
        Path dir = replicas.logDirectory().toAbsolutePath();
        DescribeLogDirsResult result = new DescribeLogDirsResult().setErrorCode(Errors.NONE.code())
                .setLogDir(dir.toString()).setTopics(new ArrayList<>(topics.values()));
        if (request.version() >= 4) {
            try {
                FileStore store = Files.getFileStore(dir);
                result.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
            } catch (IOException e) {
                result.setTotalBytes(DescribeLogDirsResponse.UNKNOWN_VOLUME_BYTES)
                        .setUsableBytes(DescribeLogDirsResponse.UNKNOWN_VOLUME_BYTES);
            }
        }
        DescribeLogDirsResponseData out = new DescribeLogDirsResponseData().setResults(List.of(result));
        return CompletableFuture.completedFuture(new DescribeLogDirsResponse(out));
    }
}
