package omni.bus;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The default bus: events go to local subscribers (SSE clients, the console, the Redis publisher) through their
 * bounded queues. Publishing copies the ids once and offers the event to each queue; it never waits.
 */
public final class InProcessBus implements EventBus {
    /**
     * Local subscribers at once: the SSE client limit ({@code EventService.CLIENTS_MAX}, 64) plus the Redis
     * publisher, the console and room for tests. More is a programming error, not load.
     */
    public static final int SUBSCRIBERS_MAX = 128;

    private static final Logger LOG = Logger.getLogger(InProcessBus.class.getName());

    private final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final boolean registerMetrics;
    private volatile boolean closed;

    /** The node's bus when no Redis is configured. */
    public InProcessBus() {
        this(true);
    }

    /** {@code registerMetrics} false when a {@link RedisBus} uses this as its local half. */
    InProcessBus(boolean registerMetrics) {
        this.registerMetrics = registerMetrics;
    }

    @Override
    public void start() {
        if (registerMetrics) {
            BusMetrics.register(this);
        }
    }

    @Override
    public void publishCommit(long firstPosition, long lastPosition, byte[] ids, int idsOffset) {
        if (lastPosition < firstPosition || firstPosition < 1) {
            throw new IllegalArgumentException("commit positions " + firstPosition + ".." + lastPosition);
        }
        int size = Math.toIntExact((lastPosition - firstPosition + 1) * CommitJson.ID_SIZE);
        byte[] copy = new byte[size];
        System.arraycopy(ids, idsOffset, copy, 0, size);
        offer(new BusEvent.Commit(firstPosition, lastPosition, copy));
    }

    @Override
    public void publishCheckpoint(long seq, String checkpointJson) {
        offer(new BusEvent.Checkpoint(seq, checkpointJson));
    }

    /** A {@code bus.state} event for local subscribers. */
    void publishState(BusState state) {
        offer(new BusEvent.State(state));
    }

    private void offer(BusEvent event) {
        for (Subscription subscription : subscriptions) {
            subscription.offer(event);
        }
    }

    @Override
    public Subscription subscribe() {
        if (closed) {
            throw new IllegalStateException("bus is closed");
        }
        if (subscriptions.size() >= SUBSCRIBERS_MAX) {
            throw new IllegalStateException("more than " + SUBSCRIBERS_MAX + " local bus subscribers");
        }
        Subscription[] holder = new Subscription[1];
        holder[0] = new Subscription(() -> subscriptions.remove(holder[0]));
        subscriptions.add(holder[0]);
        return holder[0];
    }

    @Override
    public AutoCloseable subscribe(EventListener listener) {
        Subscription subscription = subscribe();
        Thread.ofVirtual().name("omni-bus-listener").start(() -> deliver(subscription, listener));
        return subscription;
    }

    /** Listener loop: wakes at least every second so that a closed subscription ends it. */
    private static void deliver(Subscription subscription, EventListener listener) {
        long droppedSeen = 0;
        while (!subscription.isClosed()) {
            try {
                BusEvent event = subscription.poll(1_000);
                long dropped = subscription.droppedCount();
                if (dropped != droppedSeen) {
                    listener.onLagging(dropped - droppedSeen);
                    droppedSeen = dropped;
                }
                if (event != null) {
                    listener.onEvent(event);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "bus listener failed; it keeps receiving", e);
            }
        }
    }

    @Override
    public BusState state() {
        return new BusState(BusState.IN_PROCESS, null, true, 0, "local subscribers only; no Redis configured");
    }

    @Override
    public void close() {
        closed = true;
        for (Subscription subscription : subscriptions) {
            subscription.close();
        }
    }
}
