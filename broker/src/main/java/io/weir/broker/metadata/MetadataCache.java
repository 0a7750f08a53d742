package io.weir.broker.metadata;

import io.weir.controller.image.MetadataImage;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Holds the latest image published by the metadata log replay on this node (one writer, many
 * lock-free readers) and tells local components about each change.
 */
public final class MetadataCache implements MetadataView {
    private final int nodeId;
    private final String clusterId;
    private final Supplier<OptionalInt> activeController;
    private final CopyOnWriteArrayList<BiConsumer<MetadataImage, MetadataImage>> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;

    public MetadataCache(int nodeId, String clusterId, Supplier<OptionalInt> activeController) {
        this.nodeId = nodeId;
        this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
        this.activeController = Objects.requireNonNull(activeController, "activeController");
    }

    /** Publishes a newer image; listeners get (previous, next) on the caller's thread. */
    public void publish(MetadataImage next) {
        MetadataImage previous;
        synchronized (this) {
            previous = image;
            if (next.offset() < previous.offset()) {
                throw new IllegalStateException("metadata offset went backwards: " + previous.offset() + " -> " + next.offset());
            }
            image = next;
        }
        for (BiConsumer<MetadataImage, MetadataImage> listener : listeners) listener.accept(previous, next);
    }

    /** Registers a listener for image changes, e.g. to create or delete local logs. */
    public void onChange(BiConsumer<MetadataImage, MetadataImage> listener) {
        listeners.add(listener);
    }

    @Override
    public MetadataImage image() {
        return image;
    }

    @Override
    public OptionalInt activeControllerId() {
        return activeController.get();
    }

    @Override
    public String clusterId() {
        return clusterId;
    }

    @Override
    public int nodeId() {
        return nodeId;
    }
}
