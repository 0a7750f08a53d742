package io.weir.zk.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ZnodeDiffTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, byte[]> znodes(Object... pathsAndData) {
        Map<String, byte[]> m = new TreeMap<>();
        for (int i = 0; i < pathsAndData.length; i += 2) {
            m.put((String) pathsAndData[i], b((String) pathsAndData[i + 1]));
        }
        return m;
    }

    private static List<String> describe(List<ZnodeDiff.Step> steps) {
        return steps.stream().map(ZnodeDiff.Step::toString).toList();
    }

    @Test
    void writesOnlyWhatDiffersParentsFirstAndDeletesChildrenFirst() {
        Map<String, byte[]> present = znodes("/brokers", "", "/brokers/topics", "", "/brokers/topics/old", "{}",
            "/brokers/topics/old/partitions", "", "/brokers/topics/kept", "{\"v\":1}", "/controller_epoch", "3");
        Map<String, byte[]> wanted = znodes("/brokers", "", "/brokers/topics", "", "/brokers/topics/kept", "{\"v\":1}",
            "/brokers/topics/new/partitions/0/state", "{}", "/brokers/topics/new", "{}",
            "/brokers/topics/new/partitions", "", "/controller_epoch", "4");

        assertThat(describe(ZnodeDiff.plan(present, wanted))).containsExactly(
            "write /controller_epoch", "write /brokers/topics/new", "write /brokers/topics/new/partitions",
            "write /brokers/topics/new/partitions/0/state",
            "delete /brokers/topics/old/partitions", "delete /brokers/topics/old");
    }

    @Test
    void aDiffAppliedLeavesNothingToDo() {
        Map<String, byte[]> wanted = znodes("/a", "1", "/a/b", "2");
        assertThat(ZnodeDiff.plan(wanted, znodes("/a", "1", "/a/b", "2"))).isEmpty();
        assertThat(ZnodeDiff.plan(Map.of(), wanted)).hasSize(2);
    }
}
