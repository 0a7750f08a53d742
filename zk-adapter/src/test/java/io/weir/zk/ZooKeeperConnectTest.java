package io.weir.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Kafka's zookeeper.connect syntax: host:port[,host:port...][/chroot], with errors that say what is wrong. */
class ZooKeeperConnectTest {

    @Test
    void ensembleAndChrootAreSplit() {
        ZooKeeperConnect c = ZooKeeperConnect.parse("zk1:2181,zk2:2182/weir/prod");
        assertThat(c.servers()).containsExactly("zk1:2181", "zk2:2182");
        assertThat(c.ensemble()).isEqualTo("zk1:2181,zk2:2182");
        assertThat(c.namespace()).isEqualTo("weir/prod");
        assertThat(ZooKeeperConnect.parse("127.0.0.1:2181").namespace()).isNull();
        assertThat(ZooKeeperConnect.parse("127.0.0.1:2181/").chroot()).isEmpty();
    }

    @Test
    void badValuesSayWhatIsWrong() {
        assertThatThrownBy(() -> ZooKeeperConnect.parse("")).hasMessageContaining("host:port");
        assertThatThrownBy(() -> ZooKeeperConnect.parse("zk1")).hasMessageContaining("expected host:port");
        assertThatThrownBy(() -> ZooKeeperConnect.parse("zk1:21x1")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> ZooKeeperConnect.parse("zk1:70000")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> ZooKeeperConnect.parse("zk1:2181,")).hasMessageContaining("expected host:port");
        assertThatThrownBy(() -> ZooKeeperConnect.parse("zk1:2181/a/")).hasMessageContaining("chroot");
        assertThatThrownBy(() -> ZooKeeperConnect.parse("zk1:2181/a/../b")).hasMessageContaining("chroot");
        assertThatThrownBy(() -> ZooKeeperConnect.parse("zk1:2181, zk2:2181")).hasMessageContaining("spaces");
    }
}
