package omni.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import omni.cluster.BankHistory.Op;
import omni.cluster.BankHistory.Outcome;

/**
 * The violations a {@link BankChecker} run found, counted by kind with the first examples of each. The checks of a
 * history against the stored ledger are here as a pure function ({@link #compare}), so that a test can feed it a
 * doctored history and see it fail.
 */
public final class BankVerdict {
    /** Examples kept per kind: enough to see the pattern, bounded however broken the ledger is. */
    private static final int EXAMPLES_PER_KIND_MAX = 10;

    private final Map<String, Long> counts = new TreeMap<>();
    private final Map<String, List<String>> examples = new HashMap<>();

    /** Records one violation of {@code kind} (a snake_case name), with what shows it. */
    void add(String kind, String detail) {
        synchronized (counts) {
            counts.merge(kind, 1L, Long::sum);
            List<String> list = examples.computeIfAbsent(kind, k -> new ArrayList<>());
            if (list.size() < EXAMPLES_PER_KIND_MAX) {
                list.add(detail);
            }
        }
    }

    void addAll(BankVerdict other) {
        synchronized (other.counts) {
            other.counts.forEach((kind, n) -> {
                List<String> list = other.examples.get(kind);
                synchronized (counts) {
                    counts.merge(kind, n, Long::sum);
                    List<String> mine = examples.computeIfAbsent(kind, k -> new ArrayList<>());
                    for (int i = 0; i < list.size() && mine.size() < EXAMPLES_PER_KIND_MAX; i++) {
                        mine.add(list.get(i));
                    }
                }
            });
        }
    }

    public boolean clean() {
        synchronized (counts) {
            return counts.isEmpty();
        }
    }

    /** How many violations of {@code kind} were found. */
    public long count(String kind) {
        synchronized (counts) {
            return counts.getOrDefault(kind, 0L);
        }
    }

    /** Violations of every kind together. */
    public long total() {
        synchronized (counts) {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    @Override
    public String toString() {
        synchronized (counts) {
            if (counts.isEmpty()) {
                return "no violations";
            }
            StringBuilder sb = new StringBuilder();
            counts.forEach((kind, n) -> {
                sb.append(kind).append(": ").append(n).append('\n');
                for (String example : examples.get(kind)) {
                    sb.append("  ").append(example).append('\n');
                }
            });
            return sb.toString();
        }
    }

    /**
     * Checks {@code history} against {@code ledger}, every transfer after {@code baselinePosition} (the last
     * position before the run) being the run's own:
     * <ul>
     *   <li>positions run 0, 1, 2 … with no gap ({@code positions_not_contiguous}), no id is stored twice
     *       ({@code id_duplicate}: an unknown op too is there at most once);</li>
     *   <li>every acknowledged op is stored at the position it was acknowledged with, as it was sent
     *       ({@code acknowledged_missing}, {@code acknowledged_moved}, {@code acknowledged_altered});</li>
     *   <li>no definitely rejected op is stored ({@code rejected_committed}), nor anything the run never sent
     *       ({@code unrequested_committed}); every rejection has its reason ({@code unexpected_rejection});</li>
     *   <li>each sender's seqs run 1, 2, 3 … in position order ({@code seq_reused}, {@code seq_gap}); no account
     *       but 0 is ever negative ({@code balance_negative}); the {@code balances} view equals the transfers
     *       ({@code balance_mismatch}) and sums to 0 ({@code sum_not_zero}).</li>
     * </ul>
     */
    static BankVerdict compare(BankHistory history, StoredLedger ledger, long baselinePosition) {
        BankVerdict verdict = new BankVerdict();
        checkLedgerAlone(ledger, verdict);
        Set<String> sent = new HashSet<>();
        Map<String, Long> acknowledgedNanos = acknowledgedNanos(history);
        for (Op op : history.ops()) {
            if (op.outcome() != Outcome.FAILED) {
                sent.add(op.id());
            }
            StoredLedger.Row row = ledger.rowById.get(op.id());
            switch (op.outcome()) {
                case OK -> checkAcknowledged(op, row, verdict);
                case FAILED -> {
                    if (row != null) {
                        verdict.add("rejected_committed", describe(op) + " answered " + op.detail()
                                + " yet stored at position " + row.position());
                    }
                    checkRejection(op, ledger, baselinePosition, acknowledgedNanos, verdict);
                }
                case UNKNOWN -> { } // stored or not; at most once is the duplicate check's
            }
        }
        for (StoredLedger.Row row : ledger.rows) {
            if (row.position() > baselinePosition && !sent.contains(row.id())) {
                verdict.add("unrequested_committed", "position " + row.position() + " id " + row.id()
                        + " was never sent (or was answered a rejection)");
            }
        }
        return verdict;
    }

    private static void checkAcknowledged(Op op, StoredLedger.Row row, BankVerdict verdict) {
        if (row == null) {
            verdict.add("acknowledged_missing", describe(op) + " acknowledged at position " + op.position()
                    + " is not stored");
        } else if (row.position() != op.position()) {
            verdict.add("acknowledged_moved", describe(op) + " acknowledged at position " + op.position()
                    + ", stored at " + row.position());
        } else if (row.sender() != op.sender() || row.receiver() != op.receiver() || row.amount() != op.amount()
                || row.seq() != op.seq()) {
            verdict.add("acknowledged_altered", describe(op) + " stored as " + row);
        }
    }

    /**
     * A rejection must be one the run asked for ({@link BankChecker#OVERDRAFT_AMOUNT}: {@code insufficient_funds}),
     * or {@code parent_not_found} when one of its parents may not have been committed yet when it was sent (see
     * {@link #parentMayBeInFlight}). Anything else is {@code unexpected_rejection}: the run's seqs and timestamps
     * are right, and a parent known committed must be found.
     */
    private static void checkRejection(Op op, StoredLedger ledger, long baselinePosition,
                                       Map<String, Long> acknowledgedNanos, BankVerdict verdict) {
        boolean asked = op.amount() == BankChecker.OVERDRAFT_AMOUNT && "insufficient_funds".equals(op.detail());
        if (!asked && !parentMayBeInFlight(op, ledger, baselinePosition, acknowledgedNanos)) {
            verdict.add("unexpected_rejection", describe(op) + " answered " + op.detail() + ", parents " + op.parents());
        }
    }

    /**
     * Whether {@code op} was rejected {@code parent_not_found} while one of its parents was not known committed:
     * not stored at all, or stored during the run but acknowledged (to whichever client) only after {@code op}'s
     * last attempt was sent. Tips are read from the kernel while their commits are in flight (docs/engine.md,
     * Limits), so a client may take a tip that a crash then loses and its own client later sends again; a parent
     * stored before the run, or acknowledged before the attempt, was durable and must be found.
     */
    static boolean parentMayBeInFlight(Op op, StoredLedger ledger, long baselinePosition,
                                       Map<String, Long> acknowledgedNanos) {
        if (!"parent_not_found".equals(op.detail())) {
            return false;
        }
        for (String parent : op.parents()) {
            StoredLedger.Row row = ledger.rowById.get(parent);
            if (row == null) {
                return true;
            }
            Long acknowledged = acknowledgedNanos.get(parent);
            if (row.position() > baselinePosition && (acknowledged == null || acknowledged > op.sentNanos())) {
                return true;
            }
        }
        return false;
    }

    /** How many rejections of {@code history} {@link #parentMayBeInFlight} explains: a figure of the run. */
    static long parentInFlightRejections(BankHistory history, StoredLedger ledger, long baselinePosition) {
        Map<String, Long> acknowledgedNanos = acknowledgedNanos(history);
        return history.ops().stream().filter(op -> op.outcome() == Outcome.FAILED
                && parentMayBeInFlight(op, ledger, baselinePosition, acknowledgedNanos)).count();
    }

    /** When each acknowledged transfer's answer came. */
    private static Map<String, Long> acknowledgedNanos(BankHistory history) {
        Map<String, Long> nanos = new HashMap<>();
        for (Op op : history.ops()) {
            if (op.outcome() == Outcome.OK) {
                nanos.merge(op.id(), op.answeredNanos(), Math::min);
            }
        }
        return nanos;
    }

    /** The invariants of the stored ledger by itself, whatever the history. */
    private static void checkLedgerAlone(StoredLedger ledger, BankVerdict verdict) {
        Map<Long, Long> lastSeq = new HashMap<>();
        Map<Long, Long> balance = new HashMap<>();
        for (int i = 0; i < ledger.rows.length; i++) {
            StoredLedger.Row row = ledger.rows[i];
            if (row.position() != i) {
                verdict.add("positions_not_contiguous", "row " + i + " of the scan holds position " + row.position());
            }
            if (i == 0) {
                continue; // genesis: seq 0 of the issuer, counts for nobody
            }
            long expected = lastSeq.getOrDefault(row.sender(), 0L) + 1;
            if (row.seq() != expected) {
                verdict.add(row.seq() < expected ? "seq_reused" : "seq_gap", "sender " + row.sender() + " seq "
                        + row.seq() + " at position " + row.position() + ", expected " + expected);
            }
            lastSeq.merge(row.sender(), row.seq(), Math::max);
            long after = balance.merge(row.sender(), -row.amount(), Long::sum);
            balance.merge(row.receiver(), row.amount(), Long::sum);
            if (row.sender() != 0 && after < 0) {
                verdict.add("balance_negative", "account " + row.sender() + " at " + after + " after position "
                        + row.position());
            }
        }
        for (Map.Entry<String, Integer> e : ledger.duplicateIds.entrySet()) {
            verdict.add("id_duplicate", "id " + e.getKey() + " stored " + e.getValue() + " times");
        }
        long viewSum = 0;
        for (Map.Entry<Long, StoredLedger.Balance> e : ledger.balances.entrySet()) {
            viewSum += e.getValue().balance();
            long computed = balance.getOrDefault(e.getKey(), 0L);
            long seq = lastSeq.getOrDefault(e.getKey(), 0L);
            if (e.getValue().balance() != computed || e.getValue().seq() != seq) {
                verdict.add("balance_mismatch", "account " + e.getKey() + ": balances view " + e.getValue()
                        + ", transfers say balance " + computed + " seq " + seq);
            }
        }
        for (Long account : balance.keySet()) {
            if (!ledger.balances.containsKey(account)) {
                verdict.add("balance_mismatch", "account " + account + " has transfers but no row in balances");
            }
        }
        if (viewSum != 0) {
            verdict.add("sum_not_zero", "the balances view sums to " + viewSum);
        }
    }

    static String describe(Op op) {
        return "transfer " + op.id() + " (" + op.sender() + " -> " + op.receiver() + ", " + op.amount() + ", seq "
                + op.seq() + ", client " + op.client() + ")";
    }
}
