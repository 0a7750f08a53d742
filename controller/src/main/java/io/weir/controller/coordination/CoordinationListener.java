package io.weir.controller.coordination;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import java.util.List;
import java.util.Optional;

/**
 * Receives what the {@link Coordination} backend commits and decides. Callbacks come in the
 * order described in {@link Coordination}, from one thread at a time.
 */
public interface CoordinationListener {

    /**
     * A batch committed at {@code offset} (appended by the leader of {@code controllerEpoch}).
     */
    void onCommit(long offset, long controllerEpoch, List<MetadataRecord> records);

    /** Replace all state with {@code image} (its {@link MetadataImage#offset()} included). */
    void onSnapshot(MetadataImage image);

    /** This node became the active controller at {@code controllerEpoch}. */
    void onLeadershipGained(long controllerEpoch);

    /** This node stopped being the active controller of {@code controllerEpoch}. */
    void onLeadershipLost(long controllerEpoch);

    /** The active controller changed (possibly to unknown, during an election). */
    default void onControllerChanged(Optional<ControllerLocation> controller) {
    }
}
