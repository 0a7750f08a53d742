package io.weir.controller.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import io.weir.controller.record.TopicRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link Coordination} backend must show, as tests a backend inherits by
 * implementing {@link #createMembers} and {@link #crash} (published in weir-controller's
 * test-jar for the Ratis and ZooKeeper backends).
 */
public abstract class CoordinationContractTest {
    protected static final Duration AWAIT = Duration.ofSeconds(60);

    @TempDir
    protected Path dir;

    private final List<Coordination> members = new ArrayList<>();

    /** Creates (not starts) members with node ids 1..n of one fresh group. */
    protected abstract List<Coordination> createMembers(int n, Path dir) throws Exception;

    /** Stops a member as a crash would; the rest must elect a new leader if it led. */
    protected abstract void crash(Coordination member);

    /** Hook for backends whose tests choose the leader (the in-memory one); others wait. */
    protected void afterStart(List<Coordination> started) {
    }

    /** Everything a listener saw, in order. */
    protected static final class Recorder implements CoordinationListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Long> offsets = new CopyOnWriteArrayList<>();
        final List<List<MetadataRecord>> batches = new CopyOnWriteArrayList<>();
        volatile long gainedEpoch = -1;

        @Override
        public void onCommit(long offset, long epoch, List<MetadataRecord> records) {
            events.add("commit " + offset);
            offsets.add(offset);
            batches.add(records);
        }

        @Override
        public void onSnapshot(MetadataImage image) {
            events.add("snapshot " + image.offset());
        }

        @Override
        public void onLeadershipGained(long epoch) {
            events.add("gained " + epoch);
            gainedEpoch = epoch;
        }

        @Override
        public void onLeadershipLost(long epoch) {
            events.add("lost " + epoch);
            if (gainedEpoch == epoch) {
                gainedEpoch = -1;
            }
        }
    }

    private final List<Recorder> recorders = new ArrayList<>();

    private void start(int n) throws Exception {
        members.addAll(createMembers(n, dir));
        for (Coordination c : members) {
            Recorder r = new Recorder();
            recorders.add(r);
            c.start(r);
        }
        afterStart(members);
    }

    @AfterEach
    void closeMembers() {
        members.forEach(Coordination::close);
    }

    private int awaitLeaderIndex() {
        await().atMost(AWAIT).pollInterval(Duration.ofMillis(20)).until(() -> leaderIndex() >= 0);
        return leaderIndex();
    }

    private int leaderIndex() {
        for (int i = 0; i < members.size(); i++) {
            if (recorders.get(i).gainedEpoch >= 0 && members.get(i) != null) {
                return i;
            }
        }
        return -1;
    }

    private static List<MetadataRecord> batch(String name) {
        return List.of(new TopicRecord(name, UUID.nameUUIDFromBytes(name.getBytes())));
    }

    @Test
    void theLeaderAppendsAndEveryMemberReceivesTheSameBatchesInOrder() throws Exception {
        start(3);
        int leader = awaitLeaderIndex();
        long epoch = recorders.get(leader).gainedEpoch;
        long previous = -1;
        for (int i = 0; i < 5; i++) {
            long offset = members.get(leader).append(epoch, batch("t" + i)).get(30, TimeUnit.SECONDS);
            assertThat(offset).isGreaterThan(previous);
            previous = offset;
        }
        long last = previous;
        await().atMost(AWAIT).until(() -> recorders.stream()
            .allMatch(r -> !r.offsets.isEmpty() && r.offsets.get(r.offsets.size() - 1) == last));
        for (Recorder r : recorders) {
            assertThat(r.offsets).isSorted().doesNotHaveDuplicates()
                .isEqualTo(recorders.get(leader).offsets);
            assertThat(r.batches).isEqualTo(recorders.get(leader).batches);
        }
        assertThat(members.get(leader).activeController()).map(ControllerLocation::nodeId)
            .contains(members.get(leader).nodeId());
    }

    @Test
    void appendsAtAnotherEpochOrOnANonLeaderFail() throws Exception {
        start(3);
        int leader = awaitLeaderIndex();
        long epoch = recorders.get(leader).gainedEpoch;
        for (long wrong : List.of(epoch - 1, epoch + 1)) {
            assertThatThrownBy(() -> members.get(leader).append(wrong, batch("x"))
                .get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(NotControllerException.class);
        }
        int other = (leader + 1) % members.size();
        assertThatThrownBy(() -> members.get(other).append(epoch, batch("y"))
            .get(30, TimeUnit.SECONDS))
            .cause().isInstanceOf(NotControllerException.class);
        assertThat(recorders.get(leader).batches).noneMatch(b -> b.equals(batch("x"))
            || b.equals(batch("y")));
    }

    @Test
    void aNewLeaderHasAHigherEpochAndHasSeenEveryEarlierCommit() throws Exception {
        start(3);
        int first = awaitLeaderIndex();
        long firstEpoch = recorders.get(first).gainedEpoch;
        long committed = members.get(first).append(firstEpoch, batch("before"))
            .get(30, TimeUnit.SECONDS);
        Coordination crashed = members.get(first);
        crash(crashed);
        recorders.get(first).gainedEpoch = -1;
        members.set(first, null);
        await().atMost(AWAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (int i = 0; i < members.size(); i++) {
                if (members.get(i) != null && recorders.get(i).gainedEpoch > firstEpoch) {
                    return true;
                }
            }
            return false;
        });
        for (int i = 0; i < members.size(); i++) {
            Recorder r = recorders.get(i);
            if (members.get(i) == null || r.gainedEpoch <= firstEpoch) {
                continue;
            }
            int gainedAt = r.events.indexOf("gained " + r.gainedEpoch);
            assertThat(r.events.subList(0, gainedAt)).contains("commit " + committed);
            long offset = members.get(i).append(r.gainedEpoch, batch("after"))
                .get(30, TimeUnit.SECONDS);
            assertThat(offset).isGreaterThan(committed);
            Optional<ControllerLocation> active = members.get(i).activeController();
            assertThat(active).map(ControllerLocation::nodeId).contains(members.get(i).nodeId());
        }
        members.removeIf(m -> m == null);
    }
}
