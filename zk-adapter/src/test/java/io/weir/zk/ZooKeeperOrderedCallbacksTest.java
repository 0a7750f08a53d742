package io.weir.zk;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.coordination.ControllerLocation;
import io.weir.controller.coordination.CoordinationListener;
import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Listener callbacks: in the order queued, on one thread, past a failing one, none after close. */
class ZooKeeperOrderedCallbacksTest {

    @Test
    void callbacksRunInOrderOnOneThreadAndAFailingOneDoesNotStopTheNext() {
        OrderedCallbacks callbacks = new OrderedCallbacks(7);
        Recorder recorder = new Recorder();
        callbacks.deliverTo(recorder);

        callbacks.onLeadershipGained(3);
        callbacks.onCommit(0, 3, List.of());
        callbacks.onCommit(-99, 3, List.of()); // the recorder throws on this one
        callbacks.onCommit(1, 3, List.of());
        callbacks.onLeadershipLost(3);
        callbacks.onControllerChanged(Optional.empty());
        callbacks.close(5_000);
        callbacks.onCommit(2, 3, List.of());

        assertThat(recorder.seen).containsExactly("gained 3", "commit 0", "commit 1", "lost 3", "controller none");
        assertThat(recorder.threads).containsOnly("weir-zk-events-7");
    }

    private static final class Recorder implements CoordinationListener {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        private void saw(String event) {
            threads.add(Thread.currentThread().getName());
            seen.add(event);
        }

        @Override
        public void onCommit(long offset, long controllerEpoch, List<MetadataRecord> records) {
            if (offset < 0) {
                throw new IllegalStateException("a listener bug");
            }
            saw("commit " + offset);
        }

        @Override
        public void onSnapshot(MetadataImage image) {
            saw("snapshot " + image.offset());
        }

        @Override
        public void onLeadershipGained(long controllerEpoch) {
            saw("gained " + controllerEpoch);
        }

        @Override
        public void onLeadershipLost(long controllerEpoch) {
            saw("lost " + controllerEpoch);
        }

        @Override
        public void onControllerChanged(Optional<ControllerLocation> controller) {
            saw("controller " + controller.map(c -> Integer.toString(c.nodeId())).orElse("none"));
        }
    }
}
