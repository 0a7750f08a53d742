package io.weir.metadata.quorum;

import io.weir.controller.coordination.StoredMetadata;
import io.weir.controller.image.MetadataImage;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.raftlog.segmented.LogSegment;
import org.apache.ratis.server.raftlog.segmented.LogSegmentPath;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.util.SizeInBytes;

/**
 * The metadata of one node's Ratis storage directory at rest, read or seeded offline (the node
 * stopped): the export and import side of a move between backends.
 *
 * <p><b>Reading.</b> The newest snapshot file ({@code sm/snapshot.<term>_<index>}), then the
 * Raft log segments ({@code current/log_*}) after it, replayed up to the highest commit index
 * the log records (Ratis writes the leader's commit index into the log as metadata entries, and
 * they replicate like any entry), skipping batches whose epoch is not the term they were
 * written in, exactly as {@link MetadataStateMachine} applies them. Entries above the recorded
 * commit index are not known to be committed and are left out. Reading every node of a cluster
 * and taking the highest offset gives everything the cluster committed as far as its disks
 * know it.
 *
 * <p><b>Seeding.</b> A formatted Raft storage ({@code current/raft-meta}, term 1, no log) and
 * the image as the only snapshot, at Raft index = the image's offset and term 1 (see
 * {@link #SEED_TERM}). Ratis starts
 * such a storage as it does after purging its log up to a snapshot: the state machine loads
 * the image, and the first entry the new cluster appends is at the image's offset + 1, so the
 * metadata offsets continue above the exported ones. Every voter gets the same seed, so none
 * needs a snapshot installed.
 */
public final class RatisMetadataStore {
    private static final String META_FILE = "raft-meta";
    /**
     * The term of the seeded snapshot: Ratis's pre-vote treats a voter whose last entry has term
     * 0 as one with an empty log and never elects among such voters, so the seed is at term 1
     * (and the first election of the new quorum at term 2).
     */
    private static final long SEED_TERM = 1;

    private final Path storageDir;
    private final String clusterId;
    private final SnapshotFiles snapshots = new SnapshotFiles();
    private final BatchCodec codec = new BatchCodec();

    /** {@code storageDir} is a node's metadata directory (the Ratis storage dir, {@code data.dir/metadata}). */
    public RatisMetadataStore(Path storageDir, String clusterId) {
        this.storageDir = storageDir;
        this.clusterId = clusterId;
    }

    /** The directory of this cluster's Raft group in the storage dir. */
    public Path groupDir() {
        return storageDir.resolve(RatisSettings.groupId(clusterId).getUuid().toString());
    }

    /** Whether the storage holds any metadata of this cluster (a formatted group directory). */
    public boolean isEmpty() {
        return !Files.exists(groupDir().resolve("current").resolve(META_FILE))
            && snapshotFiles().isEmpty();
    }

    /**
     * The committed metadata this node's storage holds, or empty when it holds none.
     *
     * @throws IOException when a snapshot or log segment cannot be read
     */
    public Optional<StoredMetadata> read() throws IOException {
        if (isEmpty()) {
            return Optional.empty();
        }
        MetadataImage image = MetadataImage.EMPTY;
        long epoch = 0;
        long snapshotIndex = -1;
        List<Path> snapshotFiles = snapshotFiles();
        if (!snapshotFiles.isEmpty()) {
            Path latest = snapshotFiles.get(snapshotFiles.size() - 1);
            MD5FileUtil.verifySavedMD5(latest.toFile(), MD5FileUtil.computeMd5ForFile(latest.toFile()));
            image = snapshots.read(latest);
            var termIndex = SimpleStateMachineStorage.getTermIndexFromSnapshotFile(latest.toFile());
            epoch = termIndex.getTerm();
            snapshotIndex = termIndex.getIndex();
        }
        TreeMap<Long, LogEntryProto> batches = new TreeMap<>();
        long commitIndex = snapshotIndex;
        for (LogSegmentPath segment : segments()) {
            List<LogEntryProto> entries = new ArrayList<>();
            LogSegment.readSegmentFile(segment.getPath().toFile(), segment.getStartEnd(), SizeInBytes.valueOf("64MB"),
                RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION, null, entries::add);
            for (LogEntryProto e : entries) {
                if (e.hasMetadataEntry()) {
                    commitIndex = Math.max(commitIndex, e.getMetadataEntry().getCommitIndex());
                } else if (e.hasStateMachineLogEntry() && e.getIndex() > snapshotIndex) {
                    batches.put(e.getIndex(), e); // a later segment's entry replaces a truncated one
                }
            }
        }
        for (LogEntryProto e : batches.headMap(commitIndex, true).values()) {
            BatchCodec.Batch batch = codec.decode(e.getStateMachineLogEntry().getLogData());
            if (batch.epoch() != e.getTerm()) {
                continue; // a deposed controller's batch: skipped on apply too
            }
            image = image.apply(e.getIndex(), batch.records());
            epoch = Math.max(epoch, e.getTerm());
        }
        return Optional.of(new StoredMetadata(image, epoch));
    }

    /**
     * Seeds an empty storage with {@code metadata}: the image becomes the initial snapshot.
     *
     * @throws IllegalStateException when the storage already holds metadata of this cluster
     */
    public void seed(StoredMetadata metadata) throws IOException {
        if (!isEmpty()) {
            throw new IllegalStateException(storageDir + " already holds Ratis metadata of cluster '" + clusterId
                + "'; move " + groupDir() + " away first");
        }
        if (metadata.image().offset() < 0) {
            throw new IllegalArgumentException("cannot seed an empty image (offset -1)");
        }
        Path current = Files.createDirectories(groupDir().resolve("current"));
        Path sm = Files.createDirectories(groupDir().resolve("sm"));
        File snapshot = sm.resolve(SimpleStateMachineStorage.getSnapshotFileName(SEED_TERM, metadata.image().offset()))
            .toFile();
        snapshots.write(snapshot.toPath(), metadata.image());
        MD5FileUtil.computeAndSaveMd5ForFile(snapshot);
        // What Ratis's own format writes, at the seed's term with no vote; written last, so a
        // failed seed leaves an unformatted storage that the next attempt may seed again.
        Path tmp = current.resolve(META_FILE + ".seed");
        Files.writeString(tmp, "term=" + SEED_TERM + "\nvotedFor=\n", StandardCharsets.UTF_8);
        Files.move(tmp, current.resolve(META_FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private List<Path> snapshotFiles() {
        Path sm = groupDir().resolve("sm");
        if (!Files.isDirectory(sm)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(sm)) {
            return files.filter(p -> SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(p.getFileName().toString()).matches())
                .sorted(Comparator.comparingLong(RatisMetadataStore::snapshotIndex))
                .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long snapshotIndex(Path file) {
        Matcher m = SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(file.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(file.toString());
        }
        return Long.parseLong(m.group(2));
    }

    private List<LogSegmentPath> segments() throws IOException {
        Path current = groupDir().resolve("current");
        if (!Files.isDirectory(current)) {
            return List.of();
        }
        List<LogSegmentPath> segments = new ArrayList<>();
        try (Stream<Path> files = Files.list(current)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                LogSegmentPath segment = LogSegmentPath.matchLogSegment(p);
                if (segment != null) {
                    segments.add(segment);
                }
            }
        }
        segments.sort(Comparator.comparing(LogSegmentPath::getStartEnd));
        return segments;
    }
}
