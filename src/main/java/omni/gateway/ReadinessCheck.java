package omni.gateway;

/**
 * One condition for {@code /health/ready} (e.g. "storage is writable"). The node is ready only while every check
 * answers {@link Readiness#ok()}; each reason is shown in the 503 body. Checks run on every probe, so they must
 * answer fast from state the component already holds, not by doing I/O.
 */
@FunctionalInterface
public interface ReadinessCheck {
    Readiness check();

    record Readiness(boolean ready, String reason) {
        private static final Readiness OK = new Readiness(true, "");

        public static Readiness ok() {
            return OK;
        }

        public static Readiness notReady(String reason) {
            return new Readiness(false, reason);
        }
    }
}
