package io.weir.bench.compare;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every process the harness started (tools, Kafka nodes, Weir nodes; Weir's are not its direct
 * children because `weir cluster up` starts them), killed with SIGKILL when the harness ends for
 * any reason, through a shutdown hook, so a failed or interrupted run leaves nothing behind.
 */
public final class Children implements AutoCloseable {
    private final Set<Long> pids = ConcurrentHashMap.newKeySet();
    private final Thread hook = new Thread(this::killAll, "bench-compare-cleanup");

    public Children() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    public void add(long pid) {
        pids.add(pid);
    }

    public void forget(long pid) {
        pids.remove(pid);
    }

    /** SIGKILL to {@code pid} (and its descendants), if it is one of ours and alive. */
    public void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.onExit().join();
        });
        pids.remove(pid);
    }

    public void killAll() {
        for (Long pid : Set.copyOf(pids)) kill(pid);
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or ran: nothing left to do
        }
    }
}
