package io.weir.controller.coordination;

import io.weir.controller.image.MetadataImage;
import java.util.Objects;

/**
 * The whole committed metadata of a cluster as a backend holds it at rest, for moving it to
 * the other backend: the image after replaying the backend's snapshot and the committed log
 * after it (at the image's offset), and the highest controller epoch that wrote it.
 *
 * <p>The image carries the topic ids, broker epochs, partition and leader epochs and the
 * producer id blocks, so a cluster restarted from it on another backend keeps its partition
 * data valid; the offset lets the new backend continue the metadata offsets above it, so no
 * node thinks it is ahead or behind.
 */
public record StoredMetadata(MetadataImage image, long controllerEpoch) {
    public StoredMetadata {
        Objects.requireNonNull(image, "image");
        if (controllerEpoch < 0) {
            throw new IllegalArgumentException("controller epoch must be >= 0: " + controllerEpoch);
        }
    }
}
