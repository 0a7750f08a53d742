package io.weir.broker.fetch.session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a Fetch request's session fields into a {@link FetchContext}, with Kafka's rules
 * ({@code FetchManager.newContext}):
 * <ul>
 *   <li>a full request (epoch 0 or -1) closes the session it names, if any; epoch 0 asks for a
 *       new session, -1 for none;</li>
 *   <li>an incremental request (epoch above 0) of an unknown session is FETCH_SESSION_ID_NOT_FOUND;
 *       at another epoch than the session's, INVALID_FETCH_SESSION_EPOCH; by topic id for a session
 *       by name or the reverse, FETCH_SESSION_TOPIC_ID_ERROR;</li>
 *   <li>otherwise its partitions are added to or updated in the session and its forgotten ones
 *       removed; a session left empty is closed and the request answered without one.</li>
 * </ul>
 */
public final class FetchSessions {
    private static final Logger log = LoggerFactory.getLogger(FetchSessions.class);
    private final FetchSessionCache cache;

    public FetchSessions(FetchSessionCache cache) {
        this.cache = cache;
    }

    public FetchSessionCache cache() {
        return cache;
    }

    public FetchContext newContext(FetchMetadata metadata, boolean usesTopicIds, boolean follower,
                                   LinkedHashMap<SessionPartition, FetchPartition> fetchData,
                                   List<SessionPartition> forgotten, long now) {
        if (metadata.isFull()) {
            if (metadata.sessionId() != FetchMetadata.INVALID_SESSION_ID) cache.remove(metadata.sessionId());
            if (metadata.epoch() == FetchMetadata.FINAL_EPOCH) return new FetchContext.Sessionless(fetchData);
            return new FetchContext.Full(cache, fetchData, usesTopicIds, follower);
        }
        synchronized (cache) {
            Optional<FetchSession> found = cache.get(metadata.sessionId());
            if (found.isEmpty()) {
                log.debug("Fetch session {} not found", metadata.sessionId());
                return new FetchContext.SessionError(Errors.FETCH_SESSION_ID_NOT_FOUND);
            }
            FetchSession session = found.get();
            synchronized (session) {
                if (session.epoch() != metadata.epoch()) {
                    log.debug("Fetch session {} is at epoch {}, the request at {}", session.id(), session.epoch(),
                            metadata.epoch());
                    return new FetchContext.SessionError(Errors.INVALID_FETCH_SESSION_EPOCH);
                }
                if (session.usesTopicIds() != usesTopicIds) {
                    return new FetchContext.SessionError(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
                }
                session.update(fetchData, forgotten);
                if (session.size() == 0) {
                    cache.remove(session);
                    return new FetchContext.Sessionless(fetchData);
                }
                cache.touch(session, now);
                session.advanceEpoch();
                return new FetchContext.Incremental(session, metadata.epoch());
            }
        }
    }

    /** The partitions the request lists, keyed as its session knows them (by id from version 13). */
    public static LinkedHashMap<SessionPartition, FetchRequestData.FetchPartition> fetchData(FetchRequestData in,
                                                                                          boolean byId) {
        LinkedHashMap<SessionPartition, FetchRequestData.FetchPartition> out = new LinkedHashMap<>();
        for (FetchRequestData.FetchTopic topic : in.topics()) {
            for (FetchRequestData.FetchPartition p : topic.partitions()) {
                out.put(byId ? SessionPartition.byId(topic.topicId(), p.partition())
                        : SessionPartition.byName(topic.topic(), p.partition()), p);
            }
        }
        return out;
    }

    public static List<SessionPartition> forgotten(FetchRequestData in, boolean byId) {
        List<SessionPartition> out = new ArrayList<>();
        for (FetchRequestData.ForgottenTopic topic : in.forgottenTopicsData()) {
            for (int partition : topic.partitions()) {
                out.add(byId ? SessionPartition.byId(topic.topicId(), partition)
                        : SessionPartition.byName(topic.topic(), partition));
            }
        }
        return out;
    }

}
