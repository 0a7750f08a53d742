package io.weir.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.controller.coordination.ControllerLocation;
import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Leadership state and the order of the events that report it, without ZooKeeper. */
class ZooKeeperLeadershipTest {
    private final Events events = new Events();
    private final Leadership leadership = new Leadership(1, events);

    @Test
    void winningReportsTheNewControllerThenTheGainedEpoch() {
        assertThat(leadership.gain(at(1, 5), () -> true, 12)).isTrue();

        assertThat(leadership.epoch()).isEqualTo(5);
        assertThat(leadership.controller()).contains(at(1, 5));
        assertThat(events.seen).containsExactly("controller 1@5", "gained 5");
    }

    @Test
    void aWinIsNotTakenUpByANodeThatMayNoLongerLead() {
        assertThat(leadership.gain(at(1, 5), () -> false, 12)).isFalse();

        assertThat(leadership.epoch()).isEqualTo(-1);
        assertThat(events.seen).isEmpty();
    }

    @Test
    void resigningReportsTheLostEpochOnceAndOnlyForTheEpochLed() {
        leadership.gain(at(1, 5), () -> true, 0);
        events.seen.clear();

        leadership.resign(4, "a stale epoch");
        assertThat(leadership.epoch()).isEqualTo(5);
        leadership.resign(5, "fenced");
        leadership.resign("closing");
        leadership.resign(5, "fenced again");

        assertThat(leadership.epoch()).isEqualTo(-1);
        assertThat(events.seen).containsExactly("lost 5");
    }

    @Test
    void theControllerIsReportedOnlyWhenItChanges() {
        leadership.setController(Optional.of(at(2, 3)));
        leadership.setController(Optional.of(at(2, 3)));
        leadership.setController(Optional.empty());
        leadership.setController(Optional.empty());
        leadership.setController(Optional.of(at(3, 4)));

        assertThat(events.seen).containsExactly("controller 2@3", "controller none", "controller 3@4");
    }

    @Test
    void epochsANodeLeadsStrictlyIncrease() {
        leadership.gain(at(1, 5), () -> true, 0);

        assertThatThrownBy(() -> leadership.gain(at(1, 5), () -> true, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> leadership.gain(at(2, 6), () -> true, 0)).isInstanceOf(IllegalStateException.class);
        assertThat(leadership.gain(at(1, 6), () -> true, 0)).isTrue();
        assertThat(leadership.epoch()).isEqualTo(6);
    }

    private static ControllerLocation at(int node, long epoch) {
        return new ControllerLocation(node, epoch, "127.0.0.1", 9000 + node);
    }

    private static final class Events implements CoordinationListener {
        final List<String> seen = new ArrayList<>();

        @Override
        public void onCommit(long offset, long controllerEpoch, List<MetadataRecord> records) {
            seen.add("commit " + offset);
        }

        @Override
        public void onSnapshot(MetadataImage image) {
            seen.add("snapshot " + image.offset());
        }

        @Override
        public void onLeadershipGained(long controllerEpoch) {
            seen.add("gained " + controllerEpoch);
        }

        @Override
        public void onLeadershipLost(long controllerEpoch) {
            seen.add("lost " + controllerEpoch);
        }

        @Override
        public void onControllerChanged(Optional<ControllerLocation> controller) {
            seen.add("controller " + controller.map(c -> c.nodeId() + "@" + c.controllerEpoch()).orElse("none"));
        }
    }
}
