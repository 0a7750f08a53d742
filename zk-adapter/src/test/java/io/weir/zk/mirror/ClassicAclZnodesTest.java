package io.weir.zk.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.controller.acl.AclBinding;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ClassicAclZnodesTest {
    private static AclBinding readGroup(String name) {
        return new AclBinding(AclBinding.ResourceType.GROUP, name, AclBinding.PatternType.LITERAL, "User:alice", "*",
                AclBinding.Operation.READ, AclBinding.Permission.ALLOW);
    }

    @Test
    void namesZooKeeperRefusesAreLeftOutAndTheRestAreWritten() {
        Map<String, byte[]> znodes = new TreeMap<>();
        ClassicAclZnodes.addTo(znodes, List.of(readGroup("ok"), readGroup(".."), readGroup("."), readGroup("a/b"),
                readGroup("bell\u0007"), readGroup("emoji\uD83D\uDE00"), readGroup("")));

        assertThat(znodes.keySet().stream().filter(p -> p.startsWith("/kafka-acl/Group/")))
                .containsExactly("/kafka-acl/Group/ok");
    }
}
