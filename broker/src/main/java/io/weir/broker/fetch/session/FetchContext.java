package io.weir.broker.fetch.session;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;

/**
 * What one Fetch request reads and how its answer is shaped by its session (Kafka's
 * {@code FetchContext}): the handler reads {@link #toRead()} and hands the results, in that order,
 * to {@link #respond}, once, when the request completes.
 */
public sealed interface FetchContext {

    /** The partitions to read with their request parameters, in order; empty after a session error. */
    LinkedHashMap<SessionPartition, FetchPartition> toRead();

    /**
     * The response to send. {@code reads} holds one entry per partition of {@link #toRead()},
     * each with its partition index set; a session context may drop the unchanged ones.
     */
    FetchResponseData respond(LinkedHashMap<SessionPartition, PartitionData> reads, long now);

    /** The request named a session that does not exist or an epoch it is not at. */
    record SessionError(Errors error) implements FetchContext {
        @Override
        public LinkedHashMap<SessionPartition, FetchPartition> toRead() {
            return new LinkedHashMap<>();
        }

        @Override
        public FetchResponseData respond(LinkedHashMap<SessionPartition, PartitionData> reads, long now) {
            return response(error, FetchMetadata.INVALID_SESSION_ID, new LinkedHashMap<>());
        }
    }

    /** A full request that asked for no session (epoch -1, or versions before 7): every partition, session 0. */
    record Sessionless(LinkedHashMap<SessionPartition, FetchPartition> toRead) implements FetchContext {
        @Override
        public FetchResponseData respond(LinkedHashMap<SessionPartition, PartitionData> reads, long now) {
            return response(Errors.NONE, FetchMetadata.INVALID_SESSION_ID, reads);
        }
    }

    /**
     * A full request (epoch 0): every partition is answered, and a new session of them is
     * created if the cache has or can make room; its id goes back with the response.
     */
    record Full(FetchSessionCache cache, LinkedHashMap<SessionPartition, FetchPartition> toRead,
                boolean usesTopicIds, boolean privileged) implements FetchContext {
        @Override
        public FetchResponseData respond(LinkedHashMap<SessionPartition, PartitionData> reads, long now) {
            int sessionId = cache.maybeCreate(now, privileged, reads.size(), usesTopicIds, () -> {
                LinkedHashMap<SessionPartition, CachedPartition> partitions = new LinkedHashMap<>();
                reads.forEach((key, read) -> {
                    CachedPartition cached = new CachedPartition(key, toRead.get(key));
                    cached.mustRespond(read, true);
                    partitions.put(key, cached);
                });
                return partitions;
            });
            return response(Errors.NONE, sessionId, reads);
        }
    }

    /**
     * An incremental request of an existing session, already applied to it: reads the whole
     * session and answers only the partitions whose state the fetcher has not seen.
     */
    final class Incremental implements FetchContext {
        private final FetchSession session;
        private final int requestEpoch;
        private final LinkedHashMap<SessionPartition, FetchPartition> toRead;

        Incremental(FetchSession session, int requestEpoch) {
            this.session = session;
            this.requestEpoch = requestEpoch;
            this.toRead = session.toRead();
        }

        @Override
        public LinkedHashMap<SessionPartition, FetchPartition> toRead() {
            return toRead;
        }

        @Override
        public FetchResponseData respond(LinkedHashMap<SessionPartition, PartitionData> reads, long now) {
            synchronized (session) {
                // Another request of the same session got in between: this one is a duplicate.
                if (session.epoch() != FetchMetadata.nextEpoch(requestEpoch)) {
                    return response(Errors.INVALID_FETCH_SESSION_EPOCH, session.id(), new LinkedHashMap<>());
                }
                LinkedHashMap<SessionPartition, PartitionData> kept = new LinkedHashMap<>(reads);
                session.prune(kept);
                return response(Errors.NONE, session.id(), kept);
            }
        }

        public FetchSession session() {
            return session;
        }
    }

    /** Groups consecutive partitions of the same topic into one topic entry, as Kafka's {@code FetchResponse.of}. */
    static FetchResponseData response(Errors error, int sessionId, Map<SessionPartition, PartitionData> reads) {
        FetchResponseData data = new FetchResponseData().setErrorCode(error.code()).setSessionId(sessionId);
        SessionPartition topicOf = null;
        FetchableTopicResponse topic = null;
        for (Map.Entry<SessionPartition, PartitionData> e : reads.entrySet()) {
            SessionPartition key = e.getKey();
            if (topic == null || !key.sameTopic(topicOf)) {
                topic = new FetchableTopicResponse();
                if (key.usesTopicId()) topic.setTopicId(key.topicId());
                else topic.setTopic(key.topic());
                data.responses().add(topic);
                topicOf = key;
            }
            topic.partitions().add(e.getValue());
        }
        return data;
    }
}
