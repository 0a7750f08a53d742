package io.weir.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a process's resident memory is made of, from Linux's {@code /proc/PID/smaps}: the Rss of every
 * mapping, summed by kind. Anonymous mappings (no file: the Java heap, metaspace, code cache, thread
 * stacks, direct buffers, malloc arenas) are one kind; mapped files under the cluster's data directory
 * are summed by file extension ({@code .cq4} for Chronicle's roll files, {@code .index} for Kafka's
 * indexes); every other mapped file (the JDK's modules and libraries, jars) is one kind.
 */
public final class Smaps {
    static final String ANONYMOUS = "anonymous";
    static final String OTHER_FILES = "other files";

    private Smaps() {
    }

    /** Bytes resident by kind: {@link #ANONYMOUS}, {@link #OTHER_FILES}, or "data *.ext". */
    public static Map<String, Long> residentByKind(long pid, Path dataDir) throws IOException {
        return residentByKind(Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps")),
                dataDir.toRealPath().toString());
    }

    static Map<String, Long> residentByKind(List<String> smaps, String dataDir) {
        Map<String, Long> kb = new TreeMap<>();
        String kind = null;
        for (String line : smaps) {
            String[] f = line.trim().split("\\s+", 6);
            if (f.length >= 5 && f[0].matches("[0-9a-f]+-[0-9a-f]+")) {
                kind = kindOf(f.length == 6 ? f[5] : "", dataDir);
            } else if (kind != null && f[0].equals("Rss:")) {
                kb.merge(kind, Long.parseLong(f[1]), Long::sum);
            }
        }
        kb.replaceAll((k, v) -> v * 1024);
        return kb;
    }

    private static String kindOf(String path, String dataDir) {
        if (!path.startsWith("/")) {
            return ANONYMOUS; // "", [heap], [stack], [anon:...], [vdso]
        }
        if (path.startsWith(dataDir + "/")) {
            String name = path.substring(path.lastIndexOf('/') + 1).replace(" (deleted)", "");
            int dot = name.lastIndexOf('.');
            return "data " + (dot < 0 ? "(no extension)" : "*" + name.substring(dot));
        }
        return OTHER_FILES;
    }
}
