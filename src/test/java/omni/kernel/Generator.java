package omni.kernel;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import omni.kernel.ReferenceLedger.Tx;

/**
 * Random transfers for {@link RandomizedKernelTest}: mostly valid ones built from the reference model's current
 * state (so that they rely on transfers accepted earlier in the same batch), with every kind of invalid one
 * mixed in.
 */
final class Generator {
    enum Kind {
        VALID, ISSUE, VALID_WITH_ID, MALFORMED, ID_MISMATCH, ZERO_AMOUNT, SAME_ACCOUNTS, NO_PARENTS, NINE_PARENTS,
        DUPLICATE_PARENT, LONG_MEMO, FUTURE, REPEAT_COMMITTED, REPEAT_IN_BATCH, UNKNOWN_PARENT, BEFORE_PARENT,
        SEQ_REUSED, SEQ_GAP, TOO_MUCH, OVERFLOW
    }

    private static final int ACCOUNT_COUNT = 300;
    private static final int RECENT_PARENTS = 48;

    final Map<Kind, Integer> kindsSeen = new EnumMap<>(Kind.class);
    private final Random random;
    private final ReferenceLedger reference;
    private final long[] accounts = new long[ACCOUNT_COUNT];

    Generator(Random random, ReferenceLedger reference) {
        this.random = random;
        this.reference = reference;
        for (int k = 0; k < ACCOUNT_COUNT; k++) {
            accounts[k] = k < ACCOUNT_COUNT / 2 ? k + 1 : 1 + (random.nextLong() & (Long.MAX_VALUE - 1));
        }
        for (Kind kind : Kind.values()) {
            kindsSeen.put(kind, 0);
        }
    }

    Tx next(boolean admin, List<Tx> batchSoFar) {
        int roll = random.nextInt(100);
        Kind kind = roll < 45 ? Kind.VALID : roll < 55 ? Kind.ISSUE : roll < 60 ? Kind.VALID_WITH_ID
                : Kind.values()[3 + random.nextInt(Kind.values().length - 3)];
        if (kind == Kind.REPEAT_IN_BATCH && batchSoFar.isEmpty()) {
            kind = Kind.REPEAT_COMMITTED;
        }
        kindsSeen.merge(kind, 1, Integer::sum);
        Tx base = kind == Kind.ISSUE || kind == Kind.OVERFLOW ? issue() : move();
        return mutate(kind, base, admin, batchSoFar);
    }

    private Tx mutate(Kind kind, Tx t, boolean admin, List<Tx> batchSoFar) {
        return switch (kind) {
            case VALID, ISSUE -> t;
            case VALID_WITH_ID -> with(t, t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(), t.parents(),
                    ReferenceLedger.id(t));
            case MALFORMED -> new Tx(t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(), t.parents(),
                    t.memo(), null, true);
            case ID_MISMATCH -> with(t, t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(), t.parents(),
                    randomId());
            case ZERO_AMOUNT -> with(t, t.sender(), t.receiver(), 0, t.seq(), t.timestamp(), t.parents(), null);
            case SAME_ACCOUNTS -> with(t, t.sender(), t.sender(), t.amount(), t.seq(), t.timestamp(), t.parents(), null);
            case NO_PARENTS -> with(t, t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(), new byte[0][], null);
            case NINE_PARENTS -> with(t, t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(), parents(9), null);
            case DUPLICATE_PARENT -> with(t, t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(),
                    new byte[][] {t.parents()[0], t.parents()[0]}, null);
            case LONG_MEMO -> new Tx(t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(), t.parents(),
                    memo(129 + random.nextInt(200)), null, false);
            case FUTURE -> with(t, t.sender(), t.receiver(), t.amount(), t.seq(), nowMs() + 60_001 + random.nextInt(9),
                    t.parents(), null);
            case REPEAT_COMMITTED -> repeatCommitted();
            case REPEAT_IN_BATCH -> batchSoFar.get(random.nextInt(batchSoFar.size()));
            case UNKNOWN_PARENT -> with(t, t.sender(), t.receiver(), t.amount(), t.seq(), t.timestamp(),
                    new byte[][] {t.parents()[0], randomId()}, null);
            case BEFORE_PARENT -> with(t, t.sender(), t.receiver(), t.amount(), t.seq(), maxParentTimestamp(t) - 1,
                    t.parents(), null);
            case SEQ_REUSED -> with(t, t.sender(), t.receiver(), t.amount(),
                    t.seq() > 1 ? 1 + random.nextInt((int) Math.min(t.seq() - 1, 1000)) : 0, t.timestamp(), t.parents(),
                    null);
            case SEQ_GAP -> with(t, t.sender(), t.receiver(), t.amount(), t.seq() + 1 + random.nextInt(3),
                    t.timestamp(), t.parents(), null);
            case TOO_MUCH -> with(t, t.sender(), t.receiver(),
                    t.sender() == 0 ? t.amount() : balance(t.sender()) + 1 + random.nextInt(5), t.seq(), t.timestamp(),
                    t.parents(), null);
            case OVERFLOW -> with(t, 0, t.receiver(), Long.MAX_VALUE - random.nextInt(1000), t.seq(), t.timestamp(),
                    t.parents(), null);
        };
    }

    private Tx repeatCommitted() {
        int size = reference.transferOfPosition.size();
        return reference.transferOfPosition.get(size > 1 ? 1 + random.nextInt(size - 1) : 0);
    }

    private static long nowMs() {
        return KernelTest.NOW_MS;
    }

    private static Tx with(Tx t, long sender, long receiver, long amount, long seq, long timestamp, byte[][] parents,
                           byte[] givenId) {
        return new Tx(sender, receiver, amount, seq, timestamp, parents, t.memo(), givenId, false);
    }

    /** A valid move from an account with money (or an issue when none has any yet). */
    private Tx move() {
        List<Long> funded = new ArrayList<>();
        for (var e : reference.accounts.entrySet()) {
            if (e.getKey() != 0 && e.getValue().balance.signum() > 0) {
                funded.add(e.getKey());
            }
        }
        if (funded.isEmpty()) {
            return issue();
        }
        long sender = funded.get(random.nextInt(funded.size()));
        long balance = balance(sender);
        long amount = 1 + (balance > 1 ? (random.nextLong() & Long.MAX_VALUE) % balance : 0);
        return transfer(sender, receiverOtherThan(sender), amount);
    }

    private Tx issue() {
        return transfer(0, receiverOtherThan(0), 1 + random.nextInt(1_000_000));
    }

    private Tx transfer(long sender, long receiver, long amount) {
        byte[][] parents = parents(1 + random.nextInt(3));
        long timestamp = 0;
        for (byte[] parent : parents) {
            timestamp = Math.max(timestamp, reference.timestampOfPosition.get(
                    reference.positionOfId.get(HexFormat.of().formatHex(parent)).intValue()));
        }
        timestamp = Math.max(timestamp, nowMs() - 10_000_000) + random.nextInt(3);
        var account = reference.accounts.get(sender);
        long seq = account == null ? 1 : account.seq + 1;
        return new Tx(sender, receiver, amount, seq, timestamp, parents, memo(random.nextInt(4) == 0 ? 0
                : random.nextInt(40)), null, false);
    }

    private long receiverOtherThan(long sender) {
        while (true) {
            long receiver = random.nextInt(50) == 0 ? 0 : accounts[random.nextInt(ACCOUNT_COUNT)];
            if (receiver != sender) {
                return receiver;
            }
        }
    }

    /** Distinct known ids, mostly recent ones. */
    private byte[][] parents(int count) {
        int known = reference.idOfPosition.size();
        List<Integer> chosen = new ArrayList<>();
        for (int attempt = 0; chosen.size() < Math.min(count, known) && attempt < 100; attempt++) {
            int position = random.nextInt(4) == 0 ? random.nextInt(known)
                    : Math.max(0, known - 1 - random.nextInt(RECENT_PARENTS));
            if (!chosen.contains(position)) {
                chosen.add(position);
            }
        }
        byte[][] parents = new byte[chosen.size()][];
        for (int k = 0; k < parents.length; k++) {
            parents[k] = reference.idOfPosition.get(chosen.get(k));
        }
        return parents;
    }

    private long maxParentTimestamp(Tx t) {
        long max = 0;
        for (byte[] parent : t.parents()) {
            max = Math.max(max, reference.timestampOfPosition.get(reference.positionOfId.get(HexFormat.of().formatHex(parent)).intValue()));
        }
        return max;
    }

    private long balance(long account) {
        BigInteger b = reference.balance(account);
        return b.signum() <= 0 ? 0 : b.longValueExact();
    }

    private byte[] memo(int size) {
        StringBuilder text = new StringBuilder();
        while (text.toString().getBytes(StandardCharsets.UTF_8).length < size) {
            text.append(random.nextInt(5) == 0 ? "é" : random.nextInt(20) == 0 ? "\"" : "m");
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        return bytes.length == size ? bytes : java.util.Arrays.copyOf("m".repeat(size).getBytes(StandardCharsets.UTF_8), size);
    }

    private byte[] randomId() {
        byte[] id = new byte[32];
        random.nextBytes(id);
        return id;
    }
}
