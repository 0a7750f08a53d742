package io.weir.broker.metadata;

import io.weir.controller.image.MetadataImage;

import java.util.OptionalInt;

/**
 * What request handlers read about the cluster: the latest metadata image this node has
 * replayed, and the active controller as the coordination backend reports it. Reads never
 * block; an image is immutable, so a handler reads one image once and answers from it.
 */
public interface MetadataView {

    /** The newest image replayed on this node. */
    MetadataImage image();

    /** The active controller's node id, empty during an election. */
    OptionalInt activeControllerId();

    /** The cluster id this node was started with. */
    String clusterId();

    /** This node's id. */
    int nodeId();
}
