package io.weir.zk;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.data.Stat;

/**
 * What a cluster keeps in ZooKeeper, read with a plain Curator client for cluster tests (in this
 * module's test-jar): the controller epoch, the session that owns {@code /weir/controller}, and
 * the epoch each committed log batch was written at.
 */
public final class ZooKeeperMetadataLog implements AutoCloseable {
    private final CuratorFramework client;

    /** {@code connect} with the cluster's chroot, e.g. {@code 127.0.0.1:2181/chaos}. */
    public ZooKeeperMetadataLog(String connect) {
        client = CuratorFrameworkFactory.newClient(connect, new RetryNTimes(50, 200));
        client.start();
    }

    /** The value of {@code /weir/controller_epoch}. */
    public long controllerEpoch() throws Exception {
        return Long.parseLong(new String(client.getData().forPath(Znodes.CONTROLLER_EPOCH), StandardCharsets.UTF_8)
            .trim());
    }

    /** The session id owning the ephemeral {@code /weir/controller}, or 0 when there is none. */
    public long controllerSession() throws Exception {
        Stat stat = client.checkExists().forPath(Znodes.CONTROLLER);
        return stat == null ? 0 : stat.getEphemeralOwner();
    }

    /** The writer's epoch of every log batch still in ZooKeeper, by metadata offset. */
    public Map<Long, Long> epochsByOffset() throws Exception {
        Map<Long, Long> epochs = new TreeMap<>();
        List<String> names = client.getChildren().forPath(Znodes.LOG);
        for (String name : names) {
            long offset = Znodes.parseOffset(name);
            if (offset >= 0) {
                epochs.put(offset, Blob.header(client.getData().forPath(Znodes.head(Znodes.Kind.LOG, offset))).epoch());
            }
        }
        return epochs;
    }

    @Override
    public void close() {
        client.close();
    }
}
