package omni.console;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Limits failed console sign-ins per client address: after {@link #FAILURES_MAX} failures in one
 * {@link #WINDOW_MS} window, that address is refused until the window ends. The table is bounded; when full the
 * address seen least recently is forgotten (an attacker with that many addresses gains at most
 * FAILURES_MAX guesses per address per window against a 256-bit token, which is no help).
 */
final class SignInLimiter {
    /** Enough for an operator who mistypes or pastes the wrong token a few times. */
    static final int FAILURES_MAX = 5;
    /** One minute: short enough not to lock an operator out for long. */
    static final long WINDOW_MS = 60_000;
    /** About 100 bytes per address: the table stays under 1 MiB. */
    static final int ADDRESS_COUNT_MAX = 8192;

    private static final class Window {
        long startMs;
        int failures;
    }

    private final ReentrantLock lock = new ReentrantLock();
    // Access order: the eldest entry is the address seen least recently.
    private final LinkedHashMap<String, Window> byAddress = new LinkedHashMap<>(16, 0.75f, true);

    /** Milliseconds until this address may try again, or 0 when it may try now. */
    long retryAfterMs(String address, long nowMs) {
        lock.lock();
        try {
            Window w = byAddress.get(address);
            if (w == null || nowMs - w.startMs >= WINDOW_MS || w.failures < FAILURES_MAX) {
                return 0;
            }
            return WINDOW_MS - (nowMs - w.startMs);
        } finally {
            lock.unlock();
        }
    }

    void failed(String address, long nowMs) {
        lock.lock();
        try {
            Window w = byAddress.get(address);
            if (w == null) {
                if (byAddress.size() >= ADDRESS_COUNT_MAX) {
                    Iterator<String> eldest = byAddress.keySet().iterator();
                    eldest.next();
                    eldest.remove();
                }
                w = new Window();
                w.startMs = nowMs;
                byAddress.put(address, w);
            } else if (nowMs - w.startMs >= WINDOW_MS) {
                w.startMs = nowMs;
                w.failures = 0;
            }
            w.failures++;
        } finally {
            lock.unlock();
        }
    }

    void succeeded(String address) {
        lock.lock();
        try {
            byAddress.remove(address);
        } finally {
            lock.unlock();
        }
    }
}
