package io.weir.broker.fetch.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.clients.FetchSessionHandler;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.utils.LogContext;

/**
 * The server's sessions against kafka-clients' own client side ({@link FetchSessionHandler}, what
 * every Java consumer runs): whatever the client adds, forgets or re-fetches, and whenever the
 * server loses a session, the client accepts every answer as well formed, both sides agree on the
 * session's partitions and positions, and the client learns every high-watermark change even
 * though incremental answers leave unchanged partitions out.
 */
class FetchSessionProtocolTest {
    private static final short VERSION = ApiKeys.FETCH.latestVersion();
    private static final int PARTITIONS = 12;
    private static final Uuid TOPIC_ID = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

    /** Each step: 0–3 add a partition, 4–5 forget one, 6–8 the leader's HW moves, 9 the server loses the session. */
    @Property(tries = 300)
    void clientAndServerAgreeOnEverySessionAndNoChangeIsHidden(
            @ForAll @Size(max = 60) List<@IntRange(min = 0, max = 10 * PARTITIONS - 1) Integer> steps) {
        FetchSessions server = new FetchSessions(new FetchSessionCache(10, 120_000, new SplittableRandom(3)));
        FetchSessionHandler client = new FetchSessionHandler(new LogContext(), 1);
        TreeSet<Integer> wanted = new TreeSet<>(List.of(0));
        long[] leaderHw = new long[PARTITIONS];
        Map<Integer, Long> known = new HashMap<>();
        long now = 0;
        for (int step : steps) {
            int action = step / PARTITIONS;
            int partition = step % PARTITIONS;
            if (action <= 3) wanted.add(partition);
            else if (action <= 5 && wanted.size() > 1) wanted.remove(partition);
            else if (action <= 8) leaderHw[partition] += 1 + partition;
            else if (client.sessionId() != 0) server.cache().remove(client.sessionId());

            FetchSessionHandler.Builder builder = client.newBuilder();
            for (int p : wanted) {
                long position = known.getOrDefault(p, 0L); // the consumer reads up to the HW it was told
                builder.add(new TopicPartition("t", p), new FetchRequest.PartitionData(TOPIC_ID, position, -1,
                        1 << 20, Optional.empty(), Optional.empty()));
            }
            FetchSessionHandler.FetchRequestData data = builder.build();
            FetchRequest request = FetchRequest.Builder.forConsumer(VERSION, 0, 1, data.toSend())
                    .removed(data.toForget()).replaced(data.toReplace()).metadata(data.metadata()).build(VERSION);
            FetchContext context = server.newContext(request.metadata(), true, false,
                    FetchSessions.fetchData(request.data(), true), FetchSessions.forgotten(request.data(), true), now);

            LinkedHashMap<SessionPartition, PartitionData> reads = new LinkedHashMap<>();
            context.toRead().forEach((key, p) -> reads.put(key, new PartitionData().setPartitionIndex(p.partition())
                    .setHighWatermark(leaderHw[p.partition()]).setLastStableOffset(leaderHw[p.partition()])
                    .setLogStartOffset(0).setRecords(MemoryRecords.EMPTY)));
            if (!(context instanceof FetchContext.SessionError)) {
                assertThat(context.toRead().keySet()).extracting(SessionPartition::partition)
                        .containsExactlyInAnyOrderElementsOf(wanted);
                context.toRead().forEach((key, p) ->
                        assertThat(p.fetchOffset()).isEqualTo(known.getOrDefault(key.partition(), 0L)));
            }
            FetchResponseData answer = context.respond(reads, now);
            FetchResponse response = FetchResponse.of(answer);
            boolean accepted = client.handleResponse(response, VERSION);
            if (answer.errorCode() != Errors.NONE.code()) {
                assertThat(Errors.forCode(answer.errorCode())).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
                assertThat(accepted).isFalse();
                now += 10;
                continue;
            }
            assertThat(accepted).as("kafka-clients accepts the answer").isTrue();
            response.responseData(client.sessionTopicNames(), VERSION)
                    .forEach((tp, p) -> known.put(tp.partition(), p.highWatermark()));
            for (int p : wanted) {
                assertThat(known.getOrDefault(p, 0L)).as("partition %d's HW", p).isEqualTo(leaderHw[p]);
            }
            now += 10;
        }
    }
}
