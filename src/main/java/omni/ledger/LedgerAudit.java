package omni.ledger;

import omni.kernel.Hex;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Re-verifies a stored ledger from its transfers alone (what {@code omni audit} runs): positions contiguous
 * from genesis, every id recomputes (in parallel over each scanned chunk), every parent sits at an earlier
 * position and no later than the child's timestamp, seqs run 1, 2, 3, ... per sender, no account but 0
 * goes negative, and the stored balances (projected table plus tail) equal the balances recomputed from
 * the transfers and sum to 0. Every problem is counted; the first {@link #PROBLEMS_LISTED_MAX} are listed.
 */
public final class LedgerAudit {
    /** Problems listed in the report; the rest are only counted (a corrupt table can fail every row). */
    public static final int PROBLEMS_LISTED_MAX = 100;

    /** Called after each chunk and once at the end. */
    @FunctionalInterface
    public interface Progress {
        void update(long checkedCount, long totalCount);
    }

    /** The outcome: counts per kind of problem, the first problems in order found. */
    public record Report(long transferCount, long accountCount, long problemCount, Map<String, Long> countsByKind,
                         List<String> problems) {
        public boolean clean() {
            return problemCount == 0;
        }
    }

    private final Store store;
    private final String ledgerName;
    private final int threadCount;
    private final AuditIndex index = new AuditIndex();
    private final AccountTable accounts = new AccountTable(1 << 16);
    private final Map<String, Long> countsByKind = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();
    private long problemCount;
    private long nextPosition;
    /** Transfers read: below nextPosition when rows are missing. */
    private long transferCount;

    public LedgerAudit(Store store, String ledgerName, int threadCount) {
        if (threadCount < 1) {
            throw new IllegalArgumentException("threadCount " + threadCount);
        }
        this.store = store;
        this.ledgerName = ledgerName;
        this.threadCount = threadCount;
    }

    public Report run(Progress progress) throws StoreException {
        long last = store.lastPosition();
        // Bounded: at most threadCount tasks are in flight, one per slice of the current chunk.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threadCount, threadCount, 1, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(threadCount), Thread.ofPlatform().daemon().name("omni-audit-", 0).factory());
        TransferIds[] hashers = new TransferIds[threadCount];
        for (int t = 0; t < threadCount; t++) {
            hashers[t] = new TransferIds();
        }
        boolean[] idMismatch = new boolean[TransferBatch.ITEM_COUNT_MAX];
        byte[] computed = new byte[TransferBatch.ITEM_COUNT_MAX * TransferBatch.ID_SIZE];
        try {
            store.scan(0, last, new TransferBatch(), chunk -> {
                recomputeIds(pool, hashers, chunk, computed, idMismatch);
                for (int i = 0; i < chunk.count; i++) {
                    checkTransfer(chunk, i, idMismatch[i], computed);
                }
                progress.update(nextPosition, last + 1);
            });
        } finally {
            pool.shutdownNow();
        }
        if (nextPosition != last + 1) {
            String missing = nextPosition == last ? "position " + last : "positions " + nextPosition + ".." + last;
            problem("positions_not_contiguous", missing + ": missing (the last is " + last + ")");
        }
        checkBalances();
        progress.update(nextPosition, last + 1);
        return new Report(transferCount, accounts.size(), problemCount, Map.copyOf(countsByKind), List.copyOf(problems));
    }

    /** SHA-256 is the costly part: each thread recomputes the ids of one slice of the chunk. */
    private void recomputeIds(ThreadPoolExecutor pool, TransferIds[] hashers, TransferBatch chunk, byte[] computed,
                              boolean[] idMismatch) throws StoreException {
        int slice = (chunk.count + threadCount - 1) / threadCount;
        List<Future<?>> futures = new ArrayList<>(threadCount);
        for (int t = 0; t < threadCount; t++) {
            int from = t * slice;
            int to = Math.min(chunk.count, from + slice);
            TransferIds ids = hashers[t];
            futures.add(pool.submit(() -> {
                for (int i = from; i < to; i++) {
                    int at = i * TransferBatch.ID_SIZE;
                    ids.computeId(chunk.sender[i], chunk.receiver[i], chunk.amount[i], chunk.seq[i],
                            chunk.timestamp[i], chunk.parents, chunk.parentOffset[i], chunk.parentCount[i],
                            chunk.memos, chunk.memoOffset[i], chunk.memoSize[i], computed, at);
                    idMismatch[i] = !java.util.Arrays.equals(computed, at, at + TransferBatch.ID_SIZE,
                            chunk.id, at, at + TransferBatch.ID_SIZE);
                }
            }));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException("audit interrupted at position " + nextPosition);
            } catch (ExecutionException e) {
                throw new IllegalStateException("recomputing ids at position " + nextPosition, e.getCause());
            }
        }
    }

    private void checkTransfer(TransferBatch b, int i, boolean idMismatch, byte[] computed) {
        long position = b.position[i];
        if (position != nextPosition) {
            // Report the gap once, naming every missing position, then go on from what is there.
            String missing = position == nextPosition + 1 ? "position " + nextPosition
                    : "positions " + nextPosition + ".." + (position - 1);
            problem("positions_not_contiguous", missing + ": missing, next stored is " + position);
            nextPosition = position;
        }
        int idAt = i * TransferBatch.ID_SIZE;
        if (idMismatch) {
            problem("id_mismatch", "position " + position + ": stored id " + Hex.encode(b.id, idAt, TransferBatch.ID_SIZE)
                    + ", the fields give " + Hex.encode(computed, idAt, TransferBatch.ID_SIZE));
        }
        long duplicate = index.add(position, b.id, idAt, b.timestamp[i]);
        if (duplicate >= 0) {
            problem("id_duplicate", "position " + position + ": same id as position " + duplicate);
        }
        nextPosition = position + 1;
        transferCount++;
        if (position == 0) {
            checkGenesis(b, i);
            return;
        }
        checkParents(b, i, position);
        checkAccounts(b, i, position);
    }

    private void checkGenesis(TransferBatch b, int i) {
        byte[] expected = TransferIds.genesisId(ledgerName);
        if (!java.util.Arrays.equals(expected, 0, TransferBatch.ID_SIZE, b.id, i * TransferBatch.ID_SIZE,
                (i + 1) * TransferBatch.ID_SIZE)) {
            problem("genesis_mismatch", "position 0 is not the genesis of ledger '" + ledgerName + "'");
        }
    }

    private void checkParents(TransferBatch b, int i, long position) {
        int parentCount = b.parentCount[i];
        if (parentCount < 1 || parentCount > TransferBatch.PARENT_COUNT_MAX) {
            problem("parents_count_invalid", "position " + position + ": " + parentCount + " parents");
        }
        for (int k = 0; k < parentCount; k++) {
            int at = b.parentOffset[i] + k * TransferBatch.ID_SIZE;
            long parent = index.find(b.parents, at);
            String parentHex = Hex.encode(b.parents, at, TransferBatch.ID_SIZE);
            if (parent < 0 || parent >= position) {
                problem("parent_missing", "position " + position + ": parent " + parentHex
                        + " is not at an earlier position");
            } else if (b.timestamp[i] < index.timestamp(parent)) {
                problem("timestamp_before_parent", "position " + position + ": timestamp " + b.timestamp[i]
                        + " is before parent at position " + parent + " (" + index.timestamp(parent) + ")");
            }
            for (int j = 0; j < k; j++) {
                int other = b.parentOffset[i] + j * TransferBatch.ID_SIZE;
                if (java.util.Arrays.equals(b.parents, at, at + TransferBatch.ID_SIZE, b.parents, other,
                        other + TransferBatch.ID_SIZE)) {
                    problem("parents_duplicate", "position " + position + ": parent " + parentHex + " twice");
                }
            }
        }
    }

    private void checkAccounts(TransferBatch b, int i, long position) {
        long sender = b.sender[i];
        long receiver = b.receiver[i];
        long amount = b.amount[i];
        if (sender < 0 || receiver < 0 || sender == receiver || amount <= 0) {
            problem("transfer_invalid", "position " + position + ": sender " + sender + ", receiver " + receiver
                    + ", amount " + amount);
            return;
        }
        int s = accounts.slot(sender);
        if (b.seq[i] != accounts.seq[s] + 1) {
            problem("seq_not_contiguous", "position " + position + ": sender " + sender + " seq " + b.seq[i]
                    + " after seq " + accounts.seq[s]);
        }
        accounts.seq[s] = Math.max(accounts.seq[s], b.seq[i]);
        accounts.balance[s] -= amount;
        accounts.transferCount[s]++;
        if (sender != 0 && accounts.balance[s] < 0) {
            problem("balance_negative", "position " + position + ": account " + sender + " goes to "
                    + accounts.balance[s]);
        }
        int r = accounts.slot(receiver);
        accounts.balance[r] += amount;
        accounts.transferCount[r]++;
    }

    /** The stored balances (projection plus tail) against the recomputed ones, both ways, and both sums. */
    private void checkBalances() throws StoreException {
        long[] storedSum = {0};
        long[] matched = {0};
        store.scanBalances((account, balance, seq, transferCount) -> {
            storedSum[0] += balance;
            int slot = accounts.find(account);
            if (slot < 0) {
                problem("balance_unexpected", "account " + account + ": stored balance " + balance
                        + " but no transfer touches it");
                return;
            }
            matched[0]++;
            if (balance != accounts.balance[slot] || seq != accounts.seq[slot]
                    || transferCount != accounts.transferCount[slot]) {
                problem("balance_mismatch", "account " + account + ": stored balance " + balance + ", seq " + seq
                        + ", transfers " + transferCount + "; recomputed balance " + accounts.balance[slot]
                        + ", seq " + accounts.seq[slot] + ", transfers " + accounts.transferCount[slot]);
            }
        });
        if (matched[0] != accounts.size()) {
            problem("balance_missing", (accounts.size() - matched[0]) + " accounts have transfers but no stored balance");
        }
        long recomputedSum = 0;
        for (int slot = 0; slot < accounts.capacity(); slot++) {
            recomputedSum += accounts.accountAt(slot) >= 0 ? accounts.balance[slot] : 0;
        }
        if (storedSum[0] != 0 || recomputedSum != 0) {
            problem("sum_not_zero", "stored balances sum to " + storedSum[0] + ", recomputed to " + recomputedSum);
        }
    }

    private void problem(String kind, String detail) {
        problemCount++;
        countsByKind.merge(kind, 1L, Long::sum);
        if (problems.size() < PROBLEMS_LISTED_MAX) {
            problems.add(kind + ": " + detail);
        }
    }
}
