package io.weir.storage;

import net.openhft.posix.PosixAPI;

/**
 * Chronicle's native POSIX API ({@code net.openhft.posix}, JNR), loaded at its first use by
 * {@link MappedPages} or {@link Pretoucher}. Where it cannot load, Chronicle hands out a no-op
 * stand-in: each feature then turns itself off.
 */
final class NativePosix {
    static final PosixAPI API = PosixAPI.posix();
    /** Whether {@link #API} is the no-op stand-in. */
    static final boolean MISSING = API.getClass().getSimpleName().startsWith("NoOp");

    private NativePosix() {
    }
}
