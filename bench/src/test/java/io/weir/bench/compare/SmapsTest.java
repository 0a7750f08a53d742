package io.weir.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SmapsTest {
    @Test
    void residentMemoryIsSummedByKindWithDataFilesByExtension() {
        List<String> smaps = List.of(
                "7f0000000000-7f0001400000 rw-s 00000000 fd:00 1234   /data/c/node-1/t-0/queue-0/20261130-13.cq4",
                "Size:              20480 kB",
                "Rss:                8000 kB",
                "Pss:                8000 kB",
                "7f0001400000-7f0001410000 rw-s 00000000 fd:00 1235   /data/c/node-1/t-0/queue-0/metadata.cq4t",
                "Rss:                  64 kB",
                "7f0002000000-7f0002400000 rw-s 00000000 fd:00 1236   /data/c/node-2/t-1/queue-0/20261130-13.cq4 (deleted)",
                "Rss:                 100 kB",
                "c0000000-100000000 rw-p 00000000 00:00 0 ",
                "Rss:              300000 kB",
                "7f0003000000-7f0003100000 rw-p 00000000 00:00 0                          [stack]",
                "Rss:                 200 kB",
                "7f0004000000-7f0004800000 r-xp 00000000 fd:00 99     /usr/lib/jvm/java-17/lib/server/libjvm.so",
                "Rss:               20000 kB",
                "7f0005000000-7f0005001000 r--p 00000000 fd:00 98     /data/other-cluster/x.cq4",
                "Rss:                   4 kB");

        assertThat(Smaps.residentByKind(smaps, "/data/c")).containsExactly(
                org.assertj.core.api.Assertions.entry(Smaps.ANONYMOUS, 300_200L * 1024),
                org.assertj.core.api.Assertions.entry("data *.cq4", 8_100L * 1024),
                org.assertj.core.api.Assertions.entry("data *.cq4t", 64L * 1024),
                org.assertj.core.api.Assertions.entry(Smaps.OTHER_FILES, 20_004L * 1024));
    }

    @Test
    void thisJvmHasAnonymousAndFileBackedMemory() throws Exception {
        var kinds = Smaps.residentByKind(ProcessHandle.current().pid(), java.nio.file.Path.of("/tmp"));
        assertThat(kinds.get(Smaps.ANONYMOUS)).isGreaterThan(1L << 20);
        assertThat(kinds.get(Smaps.OTHER_FILES)).isGreaterThan(1L << 20);
    }

    @Test
    void heapInfoReadsCommittedAndUsedOfG1sLine() {
        long[] heap = MemoryCommand.HeapInfo.parse(List.of("12345:",
                " garbage-first heap   total 262144K, used 104857K [0x00000000c0000000, 0x0000000100000000)",
                "  region size 1024K, 40 young (40960K), 2 survivors (2048K)"));
        assertThat(heap).containsExactly(262_144L * 1024, 104_857L * 1024);
        assertThat(MemoryCommand.HeapInfo.parse(List.of("no such process"))).containsExactly(-1L, -1L);
    }
}
