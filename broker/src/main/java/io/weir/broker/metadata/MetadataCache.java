package io.weir.broker.metadata;

import io.weir.controller.image.MetadataImage;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The broker's view of the metadata log replay on this node: handlers read the image from the
 * image source (lock-free), and local components hear about each published change.
 *
 * <p>On a node with a controller the source is the controller's committed image, which is
 * updated before controller requests complete, so a client that created a topic sees it in
 * its next Metadata request to the same node; listeners may run a moment later.
 */
public final class MetadataCache implements MetadataView {
    private final int nodeId;
    private final String clusterId;
    private final Supplier<OptionalInt> activeController;
    private final CopyOnWriteArrayList<BiConsumer<MetadataImage, MetadataImage>> listeners = new CopyOnWriteArrayList<>();
    private final Supplier<MetadataImage> source;
    private volatile MetadataImage image = MetadataImage.EMPTY;

    /** A cache whose image is whatever was last {@link #publish published}. */
    public MetadataCache(int nodeId, String clusterId, Supplier<OptionalInt> activeController) {
        this(nodeId, clusterId, activeController, null);
    }

    /** A cache that reads images from {@code source} and uses {@link #publish} only for listeners. */
    public MetadataCache(int nodeId, String clusterId, Supplier<OptionalInt> activeController,
                         Supplier<MetadataImage> source) {
        this.nodeId = nodeId;
        this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
        this.activeController = Objects.requireNonNull(activeController, "activeController");
        this.source = source == null ? () -> image : source;
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
        return source.get();
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
