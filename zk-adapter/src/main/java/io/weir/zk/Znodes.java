package io.weir.zk;

import java.util.Optional;

/**
 * The znode layout, relative to the chroot:
 *
 * <pre>
 * /weir/cluster.id                         the cluster id (a second cluster on the same path is refused)
 * /weir/controller                         EPHEMERAL: the active controller, JSON {@link ControllerZnode}
 * /weir/controller_epoch                   the controller epoch, decimal; its version fences appends
 * /weir/metadata/log/0000000000000000042   one committed batch at metadata offset 42 (head)
 * /weir/metadata/snapshots/000…0040        a snapshot of the image at offset 40 (head)
 * /weir/metadata/chunks/log-000…0042-&lt;token&gt;-1   the 2nd piece of a head above 512 KiB
 * </pre>
 *
 * Offsets are zero-padded to 19 digits so names sort as numbers.
 */
final class Znodes {
    static final String ROOT = "/weir";
    static final String CLUSTER_ID = ROOT + "/cluster.id";
    static final String CONTROLLER = ROOT + "/controller";
    static final String CONTROLLER_EPOCH = ROOT + "/controller_epoch";
    static final String LOG = ROOT + "/metadata/log";
    static final String SNAPSHOTS = ROOT + "/metadata/snapshots";
    static final String CHUNKS = ROOT + "/metadata/chunks";

    /** What a head holds: a log batch or a snapshot. */
    enum Kind {
        LOG("log", Znodes.LOG), SNAPSHOT("snapshot", Znodes.SNAPSHOTS);

        final String prefix;
        final String parent;

        Kind(String prefix, String parent) {
            this.prefix = prefix;
            this.parent = parent;
        }
    }

    private Znodes() {
    }

    static String offsetName(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        return String.format("%019d", offset);
    }

    /** The offset a head's name stands for, or -1 for a name that is not an offset. */
    static long parseOffset(String name) {
        if (name.length() != 19) {
            return -1;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(name);
    }

    static String head(Kind kind, long offset) {
        return kind.parent + "/" + offsetName(offset);
    }

    /** A chunk's path: the piece {@code index} (1-based: the head holds piece 0). */
    static String chunk(Kind kind, long offset, long token, int index) {
        return CHUNKS + "/" + new ChunkName(kind, offset, token, index).name();
    }

    /** The parts of a chunk's name. */
    record ChunkName(Kind kind, long offset, long token, int index) {
        String name() {
            return kind.prefix + "-" + offsetName(offset) + "-" + String.format("%016x", token) + "-" + index;
        }

        /** Empty for a name this layout did not write. */
        static Optional<ChunkName> parse(String name) {
            String[] parts = name.split("-");
            if (parts.length != 4 || parts[2].length() != 16) {
                return Optional.empty();
            }
            Kind kind = null;
            for (Kind k : Kind.values()) {
                if (k.prefix.equals(parts[0])) {
                    kind = k;
                }
            }
            long offset = parseOffset(parts[1]);
            if (kind == null || offset < 0) {
                return Optional.empty();
            }
            try {
                return Optional.of(new ChunkName(kind, offset, Long.parseUnsignedLong(parts[2], 16),
                    Integer.parseInt(parts[3])));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }
}
