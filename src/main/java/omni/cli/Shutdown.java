package omni.cli;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import sun.misc.Signal;

/**
 * The node's orderly stop. Components register hooks in the order they must stop (the gateway first: readiness
 * 503, in-flight requests finish; then e.g. the committer drains, the bus flushes, the store closes). On SIGTERM
 * or SIGINT the hooks run once, in that order, and the process exits 0; if they take longer than
 * {@link #BUDGET} the process halts with exit 1 rather than hang.
 */
public final class Shutdown {
    private static final System.Logger LOG = System.getLogger(Shutdown.class.getName());
    /** On SIGTERM the process exits within 10 s (README, Command line); a little is left for the JVM itself. */
    public static final Duration BUDGET = Duration.ofMillis(9_500);
    static final int EXIT_HUNG = 1;

    private record Hook(String name, AutoCloseable action) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final List<Hook> hooks = new ArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean clean = true;

    /** Adds a hook; hooks run in the order they were registered. */
    public void register(String name, AutoCloseable action) {
        lock.lock();
        try {
            if (started.get()) {
                throw new IllegalStateException("shutdown already started; cannot register " + name);
            }
            hooks.add(new Hook(name, action));
        } finally {
            lock.unlock();
        }
    }

    /** Runs every hook once, in order; a failing hook is logged and the next one still runs. Idempotent. */
    public void run() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        Thread watchdog = Thread.ofPlatform().daemon().name("omni-shutdown-watchdog").start(() -> {
            try {
                if (!done.await(BUDGET.toMillis(), TimeUnit.MILLISECONDS)) {
                    System.err.println("omni: shutdown took longer than " + BUDGET.toMillis() + " ms; halting");
                    Runtime.getRuntime().halt(EXIT_HUNG);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<Hook> toRun;
        lock.lock();
        try {
            toRun = List.copyOf(hooks);
        } finally {
            lock.unlock();
        }
        for (Hook hook : toRun) {
            try {
                hook.action().close();
            } catch (Exception | Error e) {
                clean = false;
                LOG.log(Level.ERROR, "shutdown hook " + hook.name() + " failed", e);
            }
        }
        done.countDown();
        watchdog.interrupt();
    }

    /** Whether the hooks began to run (a signal, or {@link #abort}). */
    public boolean started() {
        return started.get();
    }

    /** A component cannot go on (logged by the caller): runs the hooks, and the process exits with 1. */
    public void abort() {
        clean = false;
        Thread.ofPlatform().name("omni-shutdown").start(this::run);
    }

    /** Blocks until {@link #run()} has finished; returns the exit code (0 when every hook succeeded). */
    public int await() throws InterruptedException {
        done.await();
        return clean ? 0 : 1;
    }

    /** SIGTERM and SIGINT start the shutdown (on a thread of its own); a JVM exit for any other reason also runs it. */
    public void installSignalHandlers() {
        Signal.handle(new Signal("TERM"), signal -> Thread.ofPlatform().name("omni-shutdown").start(this::run));
        Signal.handle(new Signal("INT"), signal -> Thread.ofPlatform().name("omni-shutdown").start(this::run));
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(this::run));
    }
}
