package omni.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the clients of a {@link BankChecker} run did, one {@link Op} per transfer they submitted, with the outcome
 * they saw: the history the ledger is then checked against. Appended to by the client threads while they run,
 * read once they have stopped.
 */
public final class BankHistory {
    /**
     * How a transfer ended as its client saw it. OK: answered {@code accepted} or {@code exists}, with a
     * position. FAILED: a definite rejection (a result other than those two, or a 4xx for the whole request), so
     * it must not be in the ledger. UNKNOWN: no definite answer within the retry budget (timeouts, resets, 503s
     * after the request may have been sent), so it may be in the ledger, but at most once.
     */
    public enum Outcome { OK, FAILED, UNKNOWN }

    /**
     * One submitted transfer. {@code id} is the id the client computed and {@code parents} the ids it named (64
     * hex each); {@code position} is the position the ledger answered (OK only, else -1); {@code detail} the
     * result of an OK or FAILED one, or what the last attempt of an UNKNOWN one met; {@code attempts} how many
     * times its request was sent; {@code sentNanos} and {@code answeredNanos} ({@link System#nanoTime()}) when the
     * last attempt was sent and when its answer (or the give-up) came.
     */
    public record Op(int client, String id, long sender, long receiver, long amount, long seq, List<String> parents,
                     Outcome outcome, long position, String detail, int attempts, long sentNanos,
                     long answeredNanos) {
        /** This transfer with the outcome its answer gave it. */
        public Op settled(Outcome outcome, long position, String detail, int attempts, long sentNanos,
                          long answeredNanos) {
            return new Op(client, id, sender, receiver, amount, seq, parents, outcome, position, detail, attempts,
                    sentNanos, answeredNanos);
        }
    }

    private final List<Op> ops = new ArrayList<>();

    void add(Op op) {
        synchronized (ops) {
            ops.add(op);
        }
    }

    /** A copy of the ops so far, in the order they completed. */
    public List<Op> ops() {
        synchronized (ops) {
            return Collections.unmodifiableList(new ArrayList<>(ops));
        }
    }

    public long count(Outcome outcome) {
        synchronized (ops) {
            return ops.stream().filter(op -> op.outcome() == outcome).count();
        }
    }

    /** This history with {@code op} added: for checks that the checker does find what a broken ledger would do. */
    public BankHistory with(Op op) {
        BankHistory copy = new BankHistory();
        copy.ops.addAll(ops());
        copy.ops.add(op);
        return copy;
    }

    /** This history with {@code original} replaced by {@code replacement} (a record compares by value). */
    public BankHistory replacing(Op original, Op replacement) {
        BankHistory copy = new BankHistory();
        for (Op op : ops()) {
            copy.ops.add(op.equals(original) ? replacement : op);
        }
        return copy;
    }
}
