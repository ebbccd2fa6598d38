package omni.metrics;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * {@code GET /metrics}: Helidon's metrics observer over the global registry, in Prometheus text format. Components
 * register their {@code omni_*} meters with {@code Metrics.globalRegistry()} (names in docs/observability.md); this
 * class adds {@code omni_build_info} and the JVM's meters under Micrometer's Prometheus-style names
 * ({@code jvm_memory_used_bytes}, {@code jvm_threads_live_threads}, ...), which dashboards for any JVM already query,
 * and the collectors' counts and times ({@code jvm_gc_collections_total}, {@code jvm_gc_collection_seconds_total}).
 * Helidon's own system meters are not used: their names are camelCase ({@code memory_usedHeap_bytes}), which
 * {@code promtool check metrics} rejects.
 */
public final class PrometheusMetrics {
    private static final ReentrantLock JVM_METERS_LOCK = new ReentrantLock();
    private static boolean jvmMetersBound;

    private PrometheusMetrics() {
    }

    /**
     * The observer for an observe feature at "/", so that it answers at {@code /metrics}. The JVM's meters are
     * bound once per process (tests build several gateways in one JVM).
     */
    public static MetricsObserver observer(String version) {
        MeterRegistry registry = Metrics.globalRegistry();
        registerBuildInfo(registry, version);
        bindJvmMeters(registry);
        return MetricsObserver.builder()
                .endpoint("metrics")
                .meterRegistry(registry)
                .build();
    }

    /**
     * {@code process_cpu_usage} and {@code system_cpu_usage} (0..1), as Micrometer names them. Its processor binder
     * is not used: two of its meters break Prometheus' naming rules ({@code system_cpu_count} is a gauge ending in
     * {@code _count}, {@code process_cpu_time_ns_total} abbreviates its unit).
     */
    private static void registerCpuUsage(MeterRegistry registry) {
        if (!(ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)) {
            return;
        }
        registry.getOrCreate(Gauge.builder("process_cpu_usage", os::getProcessCpuLoad)
                .description("Recent CPU usage of this process, 0 to 1 of all the machine's processors"));
        registry.getOrCreate(Gauge.builder("system_cpu_usage", os::getCpuLoad)
                .description("Recent CPU usage of the whole machine, 0 to 1"));
    }

    /** {@code omni_build_info{version="..."} 1}, the usual Prometheus way to expose the running version. */
    static void registerBuildInfo(MeterRegistry registry, String version) {
        registry.getOrCreate(Gauge.builder("omni_build_info", () -> 1)
                .description("Always 1; the version tag says which OMNI build is running.")
                .tags(List.of(Tag.create("version", version), Tag.create("java", Runtime.version().toString()))));
    }

    /**
     * Binds the JVM's meters to the global registry, once per process; call it before any other thread registers
     * a meter. The binders register straight into Micrometer's registry, whose lock they take before Helidon's,
     * while a meter registered through Helidon takes them the other way round: two threads registering at once,
     * one each way, deadlock (seen as a node that never finished starting). So every binder registers eagerly,
     * here, and Micrometer's GC binder, which registers its pause timers later from the JVM's notification
     * thread, is replaced by counters read from the collectors' own beans.
     */
    public static void bindJvmMeters() {
        bindJvmMeters(Metrics.globalRegistry());
    }

    private static void bindJvmMeters(MeterRegistry registry) {
        JVM_METERS_LOCK.lock();
        try {
            if (jvmMetersBound) {
                return;
            }
            io.micrometer.core.instrument.MeterRegistry micrometer =
                    registry.unwrap(io.micrometer.core.instrument.MeterRegistry.class);
            new JvmMemoryMetrics().bindTo(micrometer);
            registerGcCounters(micrometer);
            new JvmThreadMetrics().bindTo(micrometer);
            new ClassLoaderMetrics().bindTo(micrometer);
            registerCpuUsage(registry);
            new UptimeMetrics().bindTo(micrometer);
            jvmMetersBound = true;
        } finally {
            JVM_METERS_LOCK.unlock();
        }
    }

    /** Collections and the time spent in them, per collector, as the JVM's own beans count them. */
    private static void registerGcCounters(io.micrometer.core.instrument.MeterRegistry micrometer) {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            FunctionCounter.builder("jvm.gc.collections", gc, GarbageCollectorMXBean::getCollectionCount)
                    .tag("gc", gc.getName()).description("Collections by this garbage collector")
                    .register(micrometer);
            FunctionCounter.builder("jvm.gc.collection", gc, bean -> bean.getCollectionTime() / 1000.0)
                    .tag("gc", gc.getName()).baseUnit("seconds")
                    .description("Time this garbage collector spent collecting (approximate, as the JVM counts it)")
                    .register(micrometer);
        }
    }
}
