package omni.cluster;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import omni.kernel.Kernel;

/** Test helpers: members on 127.0.0.1 of a cluster name of their own, waits, and Membership's log lines. */
final class ClusterMembers {
    /** Members join in about a second here; a shared, busy machine may take many times that. */
    static final long WAIT_MS = 30_000;
    static final int HEARTBEAT_TIMEOUT_S = 5;
    /** Hazelcast moves the partitions of a rebalance one after another within a few milliseconds each. */
    static final long SETTLED_MS = 1_000;

    private ClusterMembers() {
    }

    /** A cluster name no other test on this machine uses, so that concurrent runs never meet. */
    static String uniqueClusterName() {
        return "omni-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    /** A member on a free port of 127.0.0.1 that joins {@code members} (none: it starts the cluster). */
    static MembershipConfig config(String cluster, String ledger, String version, List<String> members,
                                   String apiUrl) {
        return new MembershipConfig(cluster, ledger, version, "127.0.0.1", 0, members, false, HEARTBEAT_TIMEOUT_S,
                apiUrl);
    }

    /** The cluster address of the member itself, for others to join. */
    static String addressOf(Membership m) {
        return m.members().stream().filter(Membership.MemberInfo::local).findFirst().orElseThrow().clusterAddress();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadlineMs = System.currentTimeMillis() + WAIT_MS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadlineMs) {
                throw new AssertionError("not within " + WAIT_MS + " ms: " + what);
            }
            Thread.sleep(10);
        }
    }

    /**
     * Waits until the members' assignments are disjoint, cover every partition, each member holds some, and none
     * changed for {@value #SETTLED_MS} ms: every step of a rebalance is a valid assignment, only the last one
     * stays.
     */
    static void awaitSettled(String what, List<Membership> members) throws InterruptedException {
        long deadlineMs = System.currentTimeMillis() + WAIT_MS;
        List<BitSet> last = List.of();
        long sinceMs = System.currentTimeMillis();
        while (true) {
            List<BitSet> now = members.stream().map(Membership::assignedPartitions).toList();
            if (!now.equals(last)) {
                last = now;
                sinceMs = System.currentTimeMillis();
            } else if (coverAllOnce(now) && System.currentTimeMillis() - sinceMs >= SETTLED_MS) {
                return;
            }
            if (System.currentTimeMillis() > deadlineMs) {
                throw new AssertionError("not within " + WAIT_MS + " ms: " + what + "; assignment sizes "
                        + now.stream().map(BitSet::cardinality).toList());
            }
            Thread.sleep(10);
        }
    }

    private static boolean coverAllOnce(List<BitSet> assignments) {
        BitSet union = new BitSet(Kernel.PARTITION_COUNT);
        int total = 0;
        for (BitSet assigned : assignments) {
            if (assigned.isEmpty()) {
                return false;
            }
            total += assigned.cardinality();
            union.or(assigned);
        }
        return total == Kernel.PARTITION_COUNT && union.cardinality() == Kernel.PARTITION_COUNT;
    }

    /** Collects what Membership logs while open. */
    static final class LogLines extends Handler implements AutoCloseable {
        private final Logger logger = Logger.getLogger(Membership.class.getName());
        private final List<LogRecord> records = new ArrayList<>();

        LogLines() {
            logger.addHandler(this);
        }

        @Override
        public synchronized void publish(LogRecord record) {
            records.add(record);
        }

        synchronized List<String> at(Level level) {
            return records.stream().filter(r -> r.getLevel() == level).map(LogRecord::getMessage).toList();
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }
}
