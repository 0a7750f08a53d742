package io.weir.bench.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ProcFsTest {
    @Test
    void cpuIsUserPlusSystemTicksCountedAfterACommandNameWithSpacesAndParentheses() {
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 566 0 0 20 0 40 0 100 5000000 12000";
        assertThat(ProcFs.cpuSeconds(stat)).isCloseTo(18.00, within(1e-9));
    }

    @Test
    void memorySplitsResidentIntoAnonymousAndFileBacked() {
        ProcFs.Memory m = ProcFs.memory(List.of("Name:\tjava", "VmRSS:\t  600000 kB", "RssAnon:\t  400000 kB",
                "RssFile:\t  190000 kB", "RssShmem:\t   10000 kB"));
        assertThat(m.rssBytes()).isEqualTo(600_000L * 1024);
        assertThat(m.anonBytes()).isEqualTo(400_000L * 1024);
        assertThat(m.fileBytes()).isEqualTo(200_000L * 1024);
    }

    @Test
    void thisJvmHasCpuTimeAndResidentMemory() throws Exception {
        long pid = ProcessHandle.current().pid();
        assertThat(ProcFs.cpuSeconds(pid)).isPositive();
        assertThat(ProcFs.memory(pid).rssBytes()).isGreaterThan(10L << 20);
    }
}
