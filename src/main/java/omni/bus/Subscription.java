package omni.bus;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One local subscriber's bounded queue. The publisher only ever offers (never waits); when the queue is full the
 * event is dropped and counted, and the subscriber is lagging: {@link #droppedCount()} tells it so, and a
 * {@link ReplayingSubscription} on top reads what it missed back from the ledger.
 */
public final class Subscription implements AutoCloseable {
    /**
     * Events one subscriber may hold. 256 commit events of up to 1,000 ids are 8 MiB of ids and more than a
     * second of commits at 200k transfers/s: a consumer further behind than that is not keeping up, and reading
     * the gap back from the ledger is cheaper than holding it in memory.
     */
    public static final int EVENTS_MAX = 256;

    /** Queued by {@link #close()} so that a consumer blocked in {@link #poll(long)} wakes at once. */
    private static final BusEvent CLOSED = new BusEvent.State(new BusState("closed", null, false, 0, "closed"));

    private final ArrayBlockingQueue<BusEvent> queue = new ArrayBlockingQueue<>(EVENTS_MAX + 1);
    private final AtomicLong droppedCount = new AtomicLong();
    private final Runnable onClose;
    private volatile boolean closed;

    Subscription(Runnable onClose) {
        this.onClose = onClose;
    }

    /** Publisher side; never blocks. The extra slot is kept free for {@link #CLOSED}. */
    void offer(BusEvent event) {
        if (closed) {
            return;
        }
        if (queue.size() >= EVENTS_MAX || !queue.offer(event)) {
            droppedCount.incrementAndGet();
        }
    }

    /** The next event, or null when none arrived within {@code timeoutMs} or the subscription is closed. */
    public BusEvent poll(long timeoutMs) throws InterruptedException {
        if (closed) {
            return null;
        }
        BusEvent event = timeoutMs <= 0 ? queue.poll() : queue.poll(timeoutMs, TimeUnit.MILLISECONDS);
        return event == CLOSED ? null : event;
    }

    /** Events dropped because this subscriber was more than {@link #EVENTS_MAX} events behind. */
    public long droppedCount() {
        return droppedCount.get();
    }

    /** Events waiting to be polled. */
    public int size() {
        return queue.size();
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        onClose.run();
        queue.clear();
        queue.offer(CLOSED);
    }
}
