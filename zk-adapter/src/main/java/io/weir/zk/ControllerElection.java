package io.weir.zk;

import io.weir.controller.coordination.ControllerLocation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller election and the fencing token it produces. A node wins by creating the
 * ephemeral {@code /weir/controller} and raising {@code /weir/controller_epoch} by one in the
 * same multi-op, conditional on the epoch znode's version, so epochs strictly increase and at
 * most one node holds each. The epoch znode's version after a win is this node's fencing
 * token: every head it writes checks it ({@link ZnodeStore#writeFenced}), so any later election
 * fences this node's writes in ZooKeeper itself.
 *
 * <p>A winner reads the log to its end before it reports leadership: once its epoch is
 * raised no batch of an earlier epoch can commit, so what it read is everything, and the
 * controller starts from a complete image. Runs on the worker thread.
 */
final class ControllerElection {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerElection.class);

    private final ZooKeeperConfig config;
    private final CuratorFramework client;
    private final CuratorWatcher watcher;
    private final LogReader reader;
    private final Leadership leadership;
    private volatile int epochVersion = -1;

    /** {@code watcher} is set on {@code /weir/controller}, so its loss wakes the worker. */
    ControllerElection(ZooKeeperConfig config, CuratorFramework client, CuratorWatcher watcher, LogReader reader,
                       Leadership leadership) {
        this.config = config;
        this.client = client;
        this.watcher = watcher;
        this.reader = reader;
        this.leadership = leadership;
    }

    /** The epoch znode version this node's latest win produced (the fencing token), or -1. */
    int fencingVersion() {
        return epochVersion;
    }

    /**
     * Reads {@code /weir/controller} (leaving a watch) and acts on it: stands for election when
     * there is no controller, takes its own znode back at a new epoch after having resigned,
     * or follows another node. Call after {@link LogReader#catchUp()}.
     *
     * @param session this node's current ZooKeeper session id
     * @param closing true once the node is closing: it must not take a controller znode
     * @param eligible whether the node may lead (open and connected), checked as it takes up
     *     an epoch it won
     * @throws KeeperException.NoNodeException when the controller znode went between two reads
     */
    void step(long session, BooleanSupplier closing, BooleanSupplier eligible) throws Exception {
        Stat stat = client.checkExists().usingWatcher(watcher).forPath(Znodes.CONTROLLER);
        ElectionPlan.Step next = ElectionPlan.next(stat != null, stat == null ? 0 : stat.getEphemeralOwner(),
            session, leadership.epoch() >= 0);
        switch (next) {
            case ELECT -> {
                leadership.setController(Optional.empty());
                elect(-1, closing, eligible);
            }
            case RETAKE -> elect(stat.getVersion(), closing, eligible);
            case STAY -> {
            }
            case FOLLOW -> {
                ControllerZnode z = ControllerZnode.parse(client.getData().forPath(Znodes.CONTROLLER));
                leadership.resign("node " + z.brokerId() + " is the active controller at epoch " + z.epoch());
                leadership.setController(Optional.of(z.location()));
            }
        }
    }

    /**
     * Tries to become the active controller at the next epoch: creates the ephemeral controller
     * znode and raises the epoch in one multi-op (deleting this session's stale controller
     * znode first when {@code ownStaleVersion} is not -1), then catches up and takes the epoch.
     */
    private void elect(int ownStaleVersion, BooleanSupplier closing, BooleanSupplier eligible) throws Exception {
        Stat epochStat = new Stat();
        long epoch = ElectionPlan.nextEpoch(client.getData().storingStatIn(epochStat).forPath(Znodes.CONTROLLER_EPOCH));
        ControllerLocation location = new ControllerLocation(config.nodeId(), epoch, config.controllerHost(),
            config.controllerPort());
        List<CuratorOp> ops = new ArrayList<>();
        if (ownStaleVersion >= 0) {
            ops.add(client.transactionOp().delete().withVersion(ownStaleVersion).forPath(Znodes.CONTROLLER));
        }
        ops.add(client.transactionOp().create().withMode(CreateMode.EPHEMERAL)
            .forPath(Znodes.CONTROLLER, ControllerZnode.of(location).toBytes()));
        ops.add(client.transactionOp().setData().withVersion(epochStat.getVersion())
            .forPath(Znodes.CONTROLLER_EPOCH, ElectionPlan.epochZnode(epoch)));
        if (closing.getAsBoolean()) {
            return; // a closing node that just resigned must not take its own controller znode back
        }
        try {
            client.transaction().forOperations(ops);
        } catch (KeeperException.NodeExistsException | KeeperException.BadVersionException
                 | KeeperException.NoNodeException e) {
            // Another node won (its controller znode fires our watch), or a retried multi found
            // its own first attempt (the next refresh sees our znode and takes it again).
            LOG.debug("node {} did not win the election for epoch {}: {}", config.nodeId(), epoch, e.toString());
            return;
        }
        epochVersion = epochStat.getVersion() + 1;
        // From here on no batch of an earlier epoch can commit: the log as read now is complete.
        reader.catchUp();
        reader.refreshLatestSnapshot();
        leadership.gain(location, eligible, reader.delivered());
    }
}
