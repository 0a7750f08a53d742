package io.weir.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A node process's CPU time and resident memory, from Linux's /proc. */
public final class ProcFs {
    /** USER_HZ, the unit of /proc/PID/stat's times; 100 on every Linux architecture Java runs on. */
    static final int CLOCK_TICKS_PER_SECOND = 100;

    /** Resident memory in bytes: all of it, anonymous (heap, direct, stacks) and file-backed (mapped files, code). */
    public record Memory(long rssBytes, long anonBytes, long fileBytes) {
    }

    private ProcFs() {
    }

    /** User plus system CPU seconds of the process so far. */
    public static double cpuSeconds(long pid) throws IOException {
        return cpuSeconds(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    public static Memory memory(long pid) throws IOException {
        return memory(Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")));
    }

    /** From the text of /proc/PID/stat: fields 14 (utime) and 15 (stime), counted after the command name. */
    static double cpuSeconds(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) throw new IllegalArgumentException("not a /proc/PID/stat line: " + stat);
        String[] f = stat.substring(close + 2).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3].
        long ticks = Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
        return ticks / (double) CLOCK_TICKS_PER_SECOND;
    }

    /** From the lines of /proc/PID/status: VmRSS, RssAnon, RssFile (kB); RssShmem counts as file-backed. */
    static Memory memory(List<String> status) {
        long rss = -1;
        long anon = 0;
        long file = 0;
        for (String line : status) {
            if (line.startsWith("VmRSS:")) rss = kb(line);
            else if (line.startsWith("RssAnon:")) anon = kb(line);
            else if (line.startsWith("RssFile:") || line.startsWith("RssShmem:")) file += kb(line);
        }
        if (rss < 0) throw new IllegalArgumentException("no VmRSS in /proc/PID/status");
        return new Memory(rss, anon, file);
    }

    private static long kb(String line) {
        String[] f = line.split("\\s+");
        return Long.parseLong(f[1]) * 1024;
    }
}
