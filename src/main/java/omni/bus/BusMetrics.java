package omni.bus;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;

/**
 * {@code omni_bus_connected} and {@code omni_bus_backlog_events} (docs/observability.md), read from the bus started last,
 * and {@code omni_bus_republished_events_total}, what buses republished after Redis lost it.
 */
final class BusMetrics {
    private static volatile EventBus current;

    private BusMetrics() {
    }

    /** Gauges are registered once per process; they follow whichever bus started last (tests start several). */
    static void register(EventBus bus) {
        current = bus;
        MeterRegistry registry = Metrics.globalRegistry();
        registry.getOrCreate(Gauge.builder("omni_bus_connected", BusMetrics::connected)
                .description("1 while events reach every bus destination (Redis, when configured), else 0"));
        registry.getOrCreate(Gauge.builder("omni_bus_backlog_events", BusMetrics::backlog)
                .description("Transfers plus checkpoints committed but not yet confirmed by Redis"));
    }

    /** Counts transfers plus checkpoints republished from the ledger because Redis had lost them (exposed with _total). */
    static void republished(long eventCount) {
        republishedCounter().increment(eventCount);
    }

    /** The counter, created with its help text by whoever asks first (a reader as well as the bus). */
    static Counter republishedCounter() {
        return Metrics.globalRegistry().getOrCreate(Counter.builder("omni_bus_republished_events")
                .description("Transfers plus checkpoints republished from the ledger after Redis lost them"));
    }

    private static Integer connected() {
        EventBus bus = current;
        return bus != null && bus.state().connected() ? 1 : 0;
    }

    private static Long backlog() {
        EventBus bus = current;
        return bus == null ? 0L : bus.state().backlog();
    }
}
