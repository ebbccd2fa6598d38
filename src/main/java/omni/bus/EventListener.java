package omni.bus;

/** A push-style local subscriber (see {@link EventBus#subscribe(EventListener)}); called on its own thread. */
@FunctionalInterface
public interface EventListener {
    void onEvent(BusEvent event);

    /**
     * Called before the next delivered event when this listener fell more than {@link Subscription#EVENTS_MAX}
     * events behind and {@code droppedEventCount} events were dropped for it. Listeners that must not miss a
     * position use {@link ReplayingSubscription} instead.
     */
    default void onLagging(long droppedEventCount) {
    }
}
