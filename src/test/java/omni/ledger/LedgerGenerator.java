package omni.ledger;

import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded valid ledgers for store tests: mints from account 0, transfers between a few accounts with
 * contiguous seqs, funds, 1..8 distinct earlier parents, timestamps not before their parents, memos with
 * multibyte UTF-8; optionally rejected items mixed in (which append must skip). Remembers every committed
 * row by position so tests can compare.
 */
final class LedgerGenerator {
    static final String[] MEMOS = {"", "rent", "Grüße aus Köln", "日本語のメモ", "emoji 🙂🚀 ok",
            "€".repeat(42), "x".repeat(128), "zero\u0000byte"};

    final Random random;
    final int accountCount;
    final TransferIds ids = new TransferIds();
    final List<byte[]> idAt = new ArrayList<>();
    final List<long[]> numbersAt = new ArrayList<>(); // sender, receiver, amount, seq, timestamp
    final List<byte[]> parentsAt = new ArrayList<>();
    final List<byte[]> memoAt = new ArrayList<>();
    final Map<Long, Long> balance = new HashMap<>();
    final Map<Long, Long> seq = new HashMap<>();

    LedgerGenerator(long seed, String ledgerName, int accountCount) {
        System.out.println("LedgerGenerator seed=" + seed);
        this.random = new Random(seed);
        this.accountCount = accountCount;
        idAt.add(TransferIds.genesisId(ledgerName));
        numbersAt.add(new long[5]);
        parentsAt.add(new byte[0]);
        memoAt.add(TransferIds.genesisMemo(ledgerName));
    }

    long nextPosition() {
        return idAt.size();
    }

    /** A batch of {@code count} items; with {@code rejectedPercent} of them rejected (result not ACCEPTED). */
    TransferBatch batch(int count, int rejectedPercent) {
        TransferBatch b = new TransferBatch();
        for (int k = 0; k < count; k++) {
            if (random.nextInt(100) < rejectedPercent) {
                addRejected(b);
            } else {
                addValid(b);
            }
        }
        return b;
    }

    private void addValid(TransferBatch b) {
        long sender = pickSender();
        long receiver = 1 + random.nextInt(accountCount);
        while (receiver == sender) {
            receiver = 1 + random.nextInt(accountCount);
        }
        long funds = sender == 0 ? 1_000_000 : balance.getOrDefault(sender, 0L);
        long amount = 1 + (long) random.nextInt((int) Math.min(funds, 1_000));
        long senderSeq = seq.getOrDefault(sender, 0L) + 1;
        int parentCount = 1 + random.nextInt(Math.min(8, idAt.size()));
        long[] chosen = random.longs(0, idAt.size()).distinct().limit(parentCount).toArray();
        long timestamp = 1_764_130_000_000L;
        byte[] parents = new byte[parentCount * TransferBatch.ID_SIZE];
        for (int p = 0; p < parentCount; p++) {
            System.arraycopy(idAt.get((int) chosen[p]), 0, parents, p * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE);
            timestamp = Math.max(timestamp, numbersAt.get((int) chosen[p])[4]);
        }
        timestamp += random.nextInt(5);
        byte[] memo = MEMOS[random.nextInt(MEMOS.length)].getBytes(StandardCharsets.UTF_8);
        int i = add(b, sender, receiver, amount, senderSeq, timestamp, parents, memo);
        ids.computeId(b, i);
        b.position[i] = idAt.size();
        byte[] id = new byte[TransferBatch.ID_SIZE];
        System.arraycopy(b.id, i * TransferBatch.ID_SIZE, id, 0, TransferBatch.ID_SIZE);
        idAt.add(id);
        numbersAt.add(new long[]{sender, receiver, amount, senderSeq, timestamp});
        parentsAt.add(parents);
        memoAt.add(memo);
        balance.merge(sender, -amount, Long::sum);
        balance.merge(receiver, amount, Long::sum);
        seq.put(sender, senderSeq);
    }

    private long pickSender() {
        for (int attempt = 0; attempt < 4; attempt++) {
            long candidate = 1 + random.nextInt(accountCount);
            if (balance.getOrDefault(candidate, 0L) > 0) {
                return candidate;
            }
        }
        return 0;
    }

    private void addRejected(TransferBatch b) {
        int i = add(b, 5, 5, 0, 1, 0, new byte[TransferBatch.ID_SIZE], new byte[0]);
        b.result[i] = Result.ACCOUNTS_MUST_BE_DIFFERENT.code();
    }

    private static int add(TransferBatch b, long sender, long receiver, long amount, long seq, long timestamp,
                           byte[] parents, byte[] memo) {
        int i = b.add(sender, receiver, amount, seq, timestamp);
        b.setParents(i, parents, 0, parents.length / TransferBatch.ID_SIZE);
        b.setMemo(i, memo, 0, memo.length);
        return i;
    }

    /** Positions where {@code account} is sender or receiver, newest first. */
    List<Long> history(long account) {
        List<Long> out = new ArrayList<>();
        for (int p = idAt.size() - 1; p >= 1; p--) {
            long[] n = numbersAt.get(p);
            if (n[0] == account || n[1] == account) {
                out.add((long) p);
            }
        }
        return out;
    }
}
