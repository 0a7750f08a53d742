package io.weir.metadata.quorum;

import io.weir.controller.image.MetadataImage;
import io.weir.controller.record.MetadataRecord;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the metadata log: applies committed batches in log order into a
 * {@link MetadataImage}, snapshots that image, and reports commits and leadership to
 * {@link Events} (implemented by {@link RatisCoordination}).
 *
 * <p>Only this node's own controller may write: {@link #startTransaction} refuses a request from
 * any other Raft client (someone who reached the quorum port), without saying why.
 *
 * <p>Epoch fencing happens twice. On the leader, {@link #startTransaction} refuses a batch
 * whose controller epoch is not the current term. On every node, {@link #applyTransaction}
 * skips a committed entry whose embedded epoch differs from the term it was written in, so
 * a batch decided by a deposed controller can never change the image, even if it slipped
 * into the log.
 */
final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataStateMachine.class);
    static final ByteString REJECTED = ByteString.EMPTY;

    /** What the state machine reports; calls come from Ratis threads, in log order for commits. */
    interface Events {
        void snapshotLoaded(MetadataImage image);

        void committed(long offset, long epoch, List<MetadataRecord> records);

        void leaderReady(long term);

        void leaderChanged(RaftPeerId leader);
    }

    private static final long REFUSAL_LOG_INTERVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final SnapshotFiles snapshots = new SnapshotFiles();
    private final BatchCodec codec = new BatchCodec();
    private final Events events;
    private final ClientId controllerClient;
    private final AtomicLong lastRefusalLogNanos = new AtomicLong(System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS);
    private volatile MetadataImage image = MetadataImage.EMPTY;

    /**
     * @param controllerClient the client id of this node's own controller ({@link RatisCoordination#append}):
     *                         the only writer this node, as leader, accepts
     */
    MetadataStateMachine(Events events, ClientId controllerClient) {
        this.events = events;
        this.controllerClient = controllerClient;
    }

    MetadataImage image() {
        return image;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
        throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            loadLatestSnapshot();
        }, IOException.class);
    }

    /**
     * Ratis pauses the state machine before it installs a snapshot received from the leader
     * (a lagging follower or a new listener) and requires it to be PAUSED when it reloads;
     * BaseStateMachine's pause does nothing, so the lifecycle is driven here.
     */
    @Override
    public synchronized void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /** Called after a snapshot from the leader was installed: the image restarts from it. */
    @Override
    public synchronized void reinitialize() throws IOException {
        loadLatestSnapshot();
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    private void loadLatestSnapshot() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot == null) {
            return;
        }
        File file = snapshot.getFile().getPath().toFile();
        TermIndex last = SimpleStateMachineStorage.getTermIndexFromSnapshotFile(file);
        MetadataImage loaded = snapshots.read(file.toPath());
        image = loaded;
        setLastAppliedTermIndex(last);
        LOG.info("loaded metadata snapshot {} at offset {}", file, loaded.offset());
        events.snapshotLoaded(loaded);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public SingleFileSnapshotInfo getLatestSnapshot() {
        return storage.getLatestSnapshot();
    }

    @Override
    public long takeSnapshot() throws IOException {
        // Runs on the apply thread, so image and last-applied agree.
        MetadataImage current = image;
        TermIndex last = getLastAppliedTermIndex();
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        snapshots.write(file.toPath(), current);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5),
            last));
        LOG.debug("took metadata snapshot at {} (image offset {})", last, current.offset());
        return last.getIndex();
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext context = super.startTransaction(request);
        if (!controllerClient.equals(request.getClientId())) {
            // Anyone who reaches the quorum port could otherwise commit a record. The answer says
            // nothing about this node (not its role, not its term).
            long now = System.nanoTime();
            long last = lastRefusalLogNanos.get();
            if (now - last >= REFUSAL_LOG_INTERVAL_NANOS && lastRefusalLogNanos.compareAndSet(last, now)) {
                LOG.warn("refused a metadata write from Raft client {} (not this node's controller)",
                    request.getClientId());
            }
            context.setException(new ForeignWriterException());
            return context;
        }
        long epoch = codec.epoch(request.getMessage().getContent());
        DivisionInfo info = getServer().join().getDivision(getGroupId()).getInfo();
        if (!info.isLeader() || info.getCurrentTerm() != epoch) {
            context.setException(new StaleControllerEpochException("batch for controller epoch "
                + epoch + " refused: this node is " + info.getCurrentRole() + " in term "
                + info.getCurrentTerm()));
        }
        return context;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long index = entry.getIndex();
        long term = entry.getTerm();
        ByteString reply = REJECTED;
        try {
            BatchCodec.Batch batch = codec.decode(entry.getStateMachineLogEntry().getLogData());
            if (batch.epoch() != term) {
                LOG.warn("skipping batch at {} for controller epoch {} written in term {}", index,
                    batch.epoch(), term);
            } else {
                image = image.apply(index, batch.records());
                events.committed(index, batch.epoch(), batch.records());
                reply = ByteString.copyFrom(ByteBuffer.allocate(Long.BYTES).putLong(0, index));
            }
        } catch (RuntimeException e) {
            // Deterministic on every node: the same entry fails everywhere and is skipped.
            LOG.error("cannot apply metadata batch at {} (term {})", index, term, e);
        }
        updateLastAppliedTermIndex(term, index);
        return CompletableFuture.completedFuture(Message.valueOf(reply));
    }

    @Override
    public void notifyLeaderReady() {
        try {
            events.leaderReady(getServer().join().getDivision(getGroupId()).getInfo()
                .getCurrentTerm());
        } catch (IOException e) {
            LOG.warn("cannot read the term after becoming leader", e);
        }
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        events.leaderChanged(newLeaderId);
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
        events.leaderChanged(null);
    }

    /** A write from any Raft client but this node's controller. */
    static final class ForeignWriterException extends IOException {
        private static final long serialVersionUID = 1L;

        ForeignWriterException() {
            super("metadata writes are refused");
        }
    }

    /** The batch's controller epoch is not the leader's current term. */
    static final class StaleControllerEpochException extends IOException {
        private static final long serialVersionUID = 1L;

        StaleControllerEpochException(String message) {
            super(message);
        }
    }
}
