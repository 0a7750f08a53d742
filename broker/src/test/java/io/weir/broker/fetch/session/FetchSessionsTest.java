package io.weir.broker.fetch.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchMetadata;
import org.junit.jupiter.api.Test;

/** Kafka's session rules ({@code FetchManager.newContext} and the contexts), one request at a time. */
class FetchSessionsTest {
    private final FetchSessions sessions = new FetchSessions(new FetchSessionCache(10, 120_000, new SplittableRandom(5)));

    private static LinkedHashMap<SessionPartition, FetchPartition> partitions(int... offsets) {
        LinkedHashMap<SessionPartition, FetchPartition> out = new LinkedHashMap<>();
        for (int p = 0; p < offsets.length; p++) {
            out.put(SessionPartition.byName("t", p), new FetchPartition().setPartition(p).setFetchOffset(offsets[p])
                    .setPartitionMaxBytes(1024));
        }
        return out;
    }

    private static LinkedHashMap<SessionPartition, PartitionData> answer(FetchContext context, long hw, int withRecords) {
        LinkedHashMap<SessionPartition, PartitionData> reads = new LinkedHashMap<>();
        context.toRead().forEach((key, p) -> reads.put(key, new PartitionData().setPartitionIndex(p.partition())
                .setHighWatermark(hw).setLogStartOffset(0)
                .setRecords(p.partition() == withRecords
                        ? MemoryRecords.withRecords(org.apache.kafka.common.compress.Compression.NONE,
                                new SimpleRecord("v".getBytes()))
                        : MemoryRecords.EMPTY)));
        return reads;
    }

    private static List<Integer> answered(FetchResponseData data) {
        return data.responses().stream().flatMap(t -> t.partitions().stream()).map(PartitionData::partitionIndex).toList();
    }

    private int openSession() {
        FetchContext full = sessions.newContext(FetchMetadata.INITIAL, false, false, partitions(0, 0, 0), List.of(), 0);
        FetchResponseData data = full.respond(answer(full, 5, -1), 0);
        assertThat(answered(data)).containsExactly(0, 1, 2);
        assertThat(data.sessionId()).isPositive();
        return data.sessionId();
    }

    @Test
    void anIncrementalRequestReadsTheWholeSessionAndAnswersOnlyWhatChanged() {
        int id = openSession();
        FetchContext next = sessions.newContext(new FetchMetadata(id, 1), false, false, new LinkedHashMap<>(), List.of(), 1);
        assertThat(next.toRead()).hasSize(3);
        FetchResponseData data = next.respond(answer(next, 5, 1), 1);
        assertThat(data.errorCode()).isZero();
        assertThat(data.sessionId()).isEqualTo(id);
        assertThat(answered(data)).as("only the partition with records").containsExactly(1);

        FetchContext third = sessions.newContext(new FetchMetadata(id, 2), false, false, new LinkedHashMap<>(), List.of(), 2);
        assertThat(third.toRead().keySet()).extracting(SessionPartition::partition)
                .as("a partition that returned records goes to the back").containsExactly(0, 2, 1);
        assertThat(answered(third.respond(answer(third, 6, -1), 2))).as("every HW moved").containsExactly(0, 2, 1);
    }

    @Test
    void addedChangedAndForgottenPartitionsUpdateTheSession() {
        int id = openSession();
        LinkedHashMap<SessionPartition, FetchPartition> changes = new LinkedHashMap<>();
        changes.put(SessionPartition.byName("t", 1), new FetchPartition().setPartition(1).setFetchOffset(5));
        changes.put(SessionPartition.byName("u", 0), new FetchPartition().setPartition(0).setFetchOffset(9));
        FetchContext next = sessions.newContext(new FetchMetadata(id, 1), false, false, changes,
                List.of(SessionPartition.byName("t", 0)), 1);
        assertThat(next.toRead().keySet()).containsExactly(SessionPartition.byName("t", 1),
                SessionPartition.byName("t", 2), SessionPartition.byName("u", 0));
        assertThat(next.toRead().get(SessionPartition.byName("t", 1)).fetchOffset()).isEqualTo(5);
        FetchResponseData data = next.respond(answer(next, 5, -1), 1);
        assertThat(data.responses()).extracting(FetchResponseData.FetchableTopicResponse::topic).containsExactly("u");
    }

    @Test
    void aWrongEpochAnUnknownSessionAndAMixOfIdsAndNamesAreSessionErrors() {
        int id = openSession();
        assertThat(sessions.newContext(new FetchMetadata(id, 2), false, false, new LinkedHashMap<>(), List.of(), 1))
                .isEqualTo(new FetchContext.SessionError(Errors.INVALID_FETCH_SESSION_EPOCH));
        assertThat(sessions.newContext(new FetchMetadata(id + 1, 1), false, false, new LinkedHashMap<>(), List.of(), 1))
                .isEqualTo(new FetchContext.SessionError(Errors.FETCH_SESSION_ID_NOT_FOUND));
        assertThat(sessions.newContext(new FetchMetadata(id, 1), true, false, new LinkedHashMap<>(), List.of(), 1))
                .isEqualTo(new FetchContext.SessionError(Errors.FETCH_SESSION_TOPIC_ID_ERROR));
        FetchResponseData error = new FetchContext.SessionError(Errors.INVALID_FETCH_SESSION_EPOCH)
                .respond(new LinkedHashMap<>(), 1);
        assertThat(error.errorCode()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
        assertThat(error.sessionId()).isZero();
    }

    @Test
    void aDuplicateRequestIsAnsweredWithAnEpochErrorWhenItCompletes() {
        int id = openSession();
        FetchContext first = sessions.newContext(new FetchMetadata(id, 1), false, false, new LinkedHashMap<>(), List.of(), 1);
        FetchContext second = sessions.newContext(new FetchMetadata(id, 2), false, false, new LinkedHashMap<>(), List.of(), 1);
        assertThat(second.respond(answer(second, 5, -1), 1).errorCode()).isZero();
        FetchResponseData late = first.respond(answer(first, 5, -1), 2);
        assertThat(late.errorCode()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
    }

    @Test
    void aFullRequestClosesTheSessionItNamesAndFinalEpochAsksForNone() {
        int id = openSession();
        FetchContext close = sessions.newContext(new FetchMetadata(id, FetchMetadata.FINAL_EPOCH), false, false,
                partitions(0), List.of(), 1);
        assertThat(close).isInstanceOf(FetchContext.Sessionless.class);
        assertThat(sessions.cache().get(id)).isEmpty();
        assertThat(close.respond(answer(close, 1, -1), 1).sessionId()).isZero();
    }

    @Test
    void aRequestNamingTheZeroTopicIdIsReadLikeAnyOther() {
        LinkedHashMap<SessionPartition, FetchPartition> zero = new LinkedHashMap<>();
        zero.put(SessionPartition.byId(org.apache.kafka.common.Uuid.ZERO_UUID, 0), new FetchPartition().setPartition(0));
        FetchContext full = sessions.newContext(FetchMetadata.INITIAL, true, false, zero, List.of(), 0);
        LinkedHashMap<SessionPartition, PartitionData> reads = new LinkedHashMap<>();
        full.toRead().forEach((key, p) -> reads.put(key,
                org.apache.kafka.common.requests.FetchResponse.partitionResponse(0, Errors.UNKNOWN_TOPIC_ID)));
        FetchResponseData data = full.respond(reads, 0);
        assertThat(data.responses()).singleElement().satisfies(t ->
                assertThat(t.partitions()).singleElement().extracting(PartitionData::errorCode)
                        .isEqualTo(Errors.UNKNOWN_TOPIC_ID.code()));
    }

    @Test
    void forgettingEveryPartitionClosesTheSession() {
        int id = openSession();
        FetchContext empty = sessions.newContext(new FetchMetadata(id, 1), false, false, new LinkedHashMap<>(),
                List.copyOf(partitions(0, 0, 0).keySet()), 1);
        assertThat(empty).isInstanceOf(FetchContext.Sessionless.class);
        assertThat(sessions.cache().size()).isZero();
    }

    @Test
    void anErrorIsAlwaysAnsweredAndThePartitionIsSentAgainOnceItClears() {
        int id = openSession();
        FetchContext next = sessions.newContext(new FetchMetadata(id, 1), false, false, new LinkedHashMap<>(), List.of(), 1);
        LinkedHashMap<SessionPartition, PartitionData> reads = answer(next, 5, -1);
        reads.get(SessionPartition.byName("t", 2)).setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()).setHighWatermark(-1);
        assertThat(answered(next.respond(reads, 1))).containsExactly(2);
        FetchContext after = sessions.newContext(new FetchMetadata(id, 2), false, false, new LinkedHashMap<>(), List.of(), 2);
        assertThat(answered(after.respond(answer(after, 5, -1), 2))).as("HW 5 again, after the error").containsExactly(2);
    }
}
