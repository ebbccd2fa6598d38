package omni.ledger;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps account_balances and account_history up with the transfers, off the hot path: one thread, a
 * bounded step per transaction, the watermark in meta. Queries add the unprojected tail, so a lagging
 * projector makes reads slower, never wrong.
 */
final class Projector {
    private static final Logger LOG = Logger.getLogger(Projector.class.getName());
    /** One step is one transaction of at most this many transfers (about 3 x as many rows written): under a
     *  second even on a busy disk, so close() and other members never wait long for the watermark lock. */
    static final int STEP_TRANSFER_COUNT_MAX = 20_000;
    /** Caught up: look again after this long (the views read the tail meanwhile, so no one waits on it). */
    static final long IDLE_SLEEP_MS = 200;
    /** Storage failing: retry at the readiness probe's cadence. */
    static final long FAILURE_SLEEP_MS = 1_000;
    /** close() waits this long for a running step before leaving the thread to finish it alone. */
    static final long STOP_WAIT_MS = 5_000;

    private final JdbcStore store;
    private final Thread thread;
    private volatile boolean running = true;
    private final CountDownLatch wake = new CountDownLatch(1);

    Projector(JdbcStore store, String description) {
        this.store = store;
        this.thread = Thread.ofPlatform().daemon().name("omni-projector").unstarted(this::run);
        LOG.fine(() -> "projector for " + description);
    }

    void start() {
        thread.start();
    }

    /** Not by interrupt: an interrupt during H2's file I/O closes its FileChannel and with it the database. */
    void stop() {
        running = false;
        wake.countDown();
        try {
            thread.join(STOP_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        boolean failing = false;
        while (running) {
            long sleepMs;
            try {
                int n = store.projectStep();
                sleepMs = n < STEP_TRANSFER_COUNT_MAX ? IDLE_SLEEP_MS : 0;
                if (failing) {
                    LOG.info("projector: storage answers again");
                    failing = false;
                }
            } catch (StoreException e) {
                if (!running) {
                    return;
                }
                if (!failing) {
                    LOG.log(Level.WARNING, "projector paused: " + e.getMessage());
                    failing = true;
                }
                sleepMs = FAILURE_SLEEP_MS;
            }
            if (sleepMs > 0 && !sleep(sleepMs)) {
                return;
            }
        }
    }

    /** False when stopped. */
    private boolean sleep(long ms) {
        try {
            return !wake.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return false;
        }
    }
}
