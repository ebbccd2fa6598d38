package omni.kernel;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A plain sequential model of docs/transfers.md and docs/kernel.md's validation order, written from those documents without any kernel code: HashMaps,
 * BigInteger arithmetic, its own canonical encoding. Obviously right rather than fast.
 */
final class ReferenceLedger {
    /** One transfer as a client sends it. */
    record Tx(long sender, long receiver, long amount, long seq, long timestamp, byte[][] parents, byte[] memo,
              byte[] givenId, boolean malformed) {
    }

    record Outcome(Result result, long position) {
    }

    static final class Account {
        BigInteger balance = BigInteger.ZERO;
        long seq;
        long transferCount;
    }

    final Map<String, Long> positionOfId = new HashMap<>();
    final List<Long> timestampOfPosition = new ArrayList<>();
    final List<Tx> transferOfPosition = new ArrayList<>();
    final List<byte[]> idOfPosition = new ArrayList<>();
    final Map<Long, Account> accounts = new HashMap<>();
    final TreeSet<Long> tips = new TreeSet<>();

    ReferenceLedger(String ledgerName) {
        byte[] memo = ("genesis:" + ledgerName).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Tx genesis = new Tx(0, 0, 0, 0, 0, new byte[0][], memo, null, false);
        record(genesis, id(genesis));
    }

    static byte[] id(Tx tx) {
        try {
            byte[][] sorted = tx.parents().clone();
            Arrays.sort(sorted, Arrays::compareUnsigned);
            ByteBuffer buf = ByteBuffer.allocate(5 + 40 + 1 + 32 * sorted.length + 2 + tx.memo().length);
            buf.put("OMNI1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            buf.putLong(tx.sender()).putLong(tx.receiver()).putLong(tx.amount()).putLong(tx.seq())
                    .putLong(tx.timestamp());
            buf.put((byte) sorted.length);
            for (byte[] parent : sorted) {
                buf.put(parent);
            }
            buf.putShort((short) tx.memo().length).put(tx.memo());
            return MessageDigest.getInstance("SHA-256").digest(buf.array());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    Outcome validate(Tx tx, boolean admin, long nowMs) {
        if (tx.malformed() || tx.sender() < 0 || tx.receiver() < 0 || tx.amount() < 0 || tx.seq() < 0
                || tx.timestamp() < 0) {
            return new Outcome(Result.MALFORMED, -1);
        }
        byte[] id = id(tx);
        Result stateless = stateless(tx, id, admin, nowMs);
        if (stateless != null) {
            return new Outcome(stateless, -1);
        }
        Long existing = positionOfId.get(HexFormat.of().formatHex(id));
        if (existing != null) {
            return new Outcome(Result.EXISTS, existing);
        }
        Result stateful = stateful(tx);
        if (stateful != null) {
            return new Outcome(stateful, -1);
        }
        return new Outcome(Result.ACCEPTED, apply(tx, id));
    }

    private static Result stateless(Tx tx, byte[] id, boolean admin, long nowMs) {
        if (tx.givenId() != null && !Arrays.equals(tx.givenId(), id)) {
            return Result.ID_MISMATCH;
        }
        if (tx.amount() == 0) {
            return Result.AMOUNT_MUST_BE_POSITIVE;
        }
        if (tx.sender() == tx.receiver()) {
            return Result.ACCOUNTS_MUST_BE_DIFFERENT;
        }
        if (tx.parents().length < 1 || tx.parents().length > 8) {
            return Result.PARENTS_COUNT_INVALID;
        }
        Set<String> distinct = new HashSet<>();
        for (byte[] parent : tx.parents()) {
            distinct.add(HexFormat.of().formatHex(parent));
        }
        if (distinct.size() != tx.parents().length) {
            return Result.PARENTS_DUPLICATE;
        }
        if (tx.memo().length > 128) {
            return Result.MEMO_TOO_LONG;
        }
        if (tx.timestamp() > nowMs + 60_000) {
            return Result.TIMESTAMP_IN_FUTURE;
        }
        if (tx.sender() == 0 && !admin) {
            return Result.ISSUER_REQUIRES_ADMIN;
        }
        return null;
    }

    private Result stateful(Tx tx) {
        for (byte[] parent : tx.parents()) {
            if (!positionOfId.containsKey(HexFormat.of().formatHex(parent))) {
                return Result.PARENT_NOT_FOUND;
            }
        }
        for (byte[] parent : tx.parents()) {
            long position = positionOfId.get(HexFormat.of().formatHex(parent));
            if (tx.timestamp() < timestampOfPosition.get((int) position)) {
                return Result.TIMESTAMP_BEFORE_PARENT;
            }
        }
        Account sender = accounts.get(tx.sender());
        long lastSeq = sender == null ? 0 : sender.seq;
        // The issuer's seq 0 belongs to genesis.
        boolean used = tx.sender() == 0 ? tx.seq() <= lastSeq : tx.seq() >= 1 && tx.seq() <= lastSeq;
        if (used) {
            return Result.SEQ_REUSED;
        }
        if (BigInteger.valueOf(tx.seq()).compareTo(BigInteger.valueOf(lastSeq).add(BigInteger.ONE)) != 0) {
            return Result.SEQ_GAP;
        }
        BigInteger after = (sender == null ? BigInteger.ZERO : sender.balance).subtract(BigInteger.valueOf(tx.amount()));
        if (tx.sender() != 0 && after.signum() < 0) {
            return Result.INSUFFICIENT_FUNDS;
        }
        if (after.compareTo(BigInteger.valueOf(-Long.MAX_VALUE)) < 0) {
            return Result.OVERFLOW;
        }
        BigInteger receiverAfter = balance(tx.receiver()).add(BigInteger.valueOf(tx.amount()));
        if (receiverAfter.bitLength() > 63) {
            return Result.OVERFLOW;
        }
        return null;
    }

    BigInteger balance(long account) {
        Account a = accounts.get(account);
        return a == null ? BigInteger.ZERO : a.balance;
    }

    private long apply(Tx tx, byte[] id) {
        Account sender = accounts.computeIfAbsent(tx.sender(), k -> new Account());
        Account receiver = accounts.computeIfAbsent(tx.receiver(), k -> new Account());
        sender.balance = sender.balance.subtract(BigInteger.valueOf(tx.amount()));
        sender.seq = tx.seq();
        sender.transferCount++;
        receiver.balance = receiver.balance.add(BigInteger.valueOf(tx.amount()));
        receiver.transferCount++;
        for (byte[] parent : tx.parents()) {
            tips.remove(positionOfId.get(HexFormat.of().formatHex(parent)));
        }
        return record(tx, id);
    }

    private long record(Tx tx, byte[] id) {
        long position = transferOfPosition.size();
        positionOfId.put(HexFormat.of().formatHex(id), position);
        timestampOfPosition.add(tx.timestamp());
        transferOfPosition.add(tx);
        idOfPosition.add(id);
        tips.add(position);
        return position;
    }

    BigInteger balanceSum() {
        BigInteger sum = BigInteger.ZERO;
        for (Account account : accounts.values()) {
            sum = sum.add(account.balance);
        }
        return sum;
    }
}
