package omni.proof;

import java.security.DigestException;
import java.security.MessageDigest;

/**
 * RFC 6962 section 2.1 Merkle tree over transfer ids (leaf = SHA-256(0x00 || id), node =
 * SHA-256(0x01 || left || right)), built bottom-up without recursion and keeping every level so that
 * audit paths are read, not recomputed.
 * <p>
 * Level 0 holds the leaf hashes; level k+1 pairs the nodes of level k and carries an unpaired last node
 * up unchanged. This is the same tree as RFC 6962's "split at the largest power of two below n": the
 * left subtree at each split is perfect, so only the rightmost node of a level can lack a sibling.
 * Memory: the levels hold about 2n hashes, 64 bytes per leaf ({@link #sizeBytes()}).
 * <p>
 * Immutable after construction; any number of threads may read audit paths concurrently.
 */
public final class MerkleTree {
    public static final int HASH_SIZE = 32;
    private static final byte LEAF_PREFIX = 0x00;
    private static final byte NODE_PREFIX = 0x01;
    /** 2^31 leaves would overflow the level arrays long before; 63 levels bound every loop below. */
    static final int LEVEL_COUNT_MAX = 63;

    private final int leafCount;
    private final byte[][] levels;

    private MerkleTree(int leafCount, byte[][] levels) {
        this.leafCount = leafCount;
        this.levels = levels;
    }

    /**
     * Builds the tree over {@code count} ids of 32 bytes in {@code ids}. The tree takes ownership of
     * {@code ids}: leaf hashes are written over the ids in place and the array becomes level 0.
     */
    public static MerkleTree fromIdsInPlace(byte[] ids, int count) {
        check(count >= 1, "a Merkle tree needs at least one leaf, count=" + count);
        check(ids.length == count * HASH_SIZE, "ids array is " + ids.length + " bytes for " + count + " ids");
        MessageDigest sha256 = Checkpoint.sha256();
        for (int i = 0; i < count; i++) {
            hashInto(sha256, LEAF_PREFIX, ids, i * HASH_SIZE, HASH_SIZE, ids, i * HASH_SIZE);
        }
        byte[][] levels = new byte[levelCount(count)][];
        levels[0] = ids;
        int size = count;
        for (int level = 1; level < levels.length; level++) {
            int parentSize = (size + 1) >>> 1;
            byte[] below = levels[level - 1];
            byte[] parent = new byte[parentSize * HASH_SIZE];
            int pairs = size >>> 1;
            for (int i = 0; i < pairs; i++) {
                hashInto(sha256, NODE_PREFIX, below, 2 * i * HASH_SIZE, 2 * HASH_SIZE, parent, i * HASH_SIZE);
            }
            if ((size & 1) != 0) {
                System.arraycopy(below, (size - 1) * HASH_SIZE, parent, pairs * HASH_SIZE, HASH_SIZE);
            }
            levels[level] = parent;
            size = parentSize;
        }
        check(size == 1, "top level has " + size + " nodes");
        return new MerkleTree(count, levels);
    }

    /** Number of levels of a tree of {@code count} leaves, the root level included: 1 + ceil(log2(count)). */
    static int levelCount(long count) {
        return 1 + (count <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(count - 1));
    }

    public int leafCount() {
        return leafCount;
    }

    public byte[] root() {
        return levels[levels.length - 1].clone();
    }

    /** Hashes held, 32 bytes each: what this tree costs in a cache. */
    public long sizeBytes() {
        long total = 0;
        for (byte[] level : levels) {
            total += level.length;
        }
        return total;
    }

    public boolean leafHashEquals(int leafIndex, byte[] leafHash) {
        return java.util.Arrays.equals(levels[0], leafIndex * HASH_SIZE, (leafIndex + 1) * HASH_SIZE,
                leafHash, 0, HASH_SIZE);
    }

    /** The RFC 9162 section 2.1.3.1 inclusion path of leaf {@code leafIndex}, from the leaf's sibling up. */
    public byte[][] auditPath(int leafIndex) {
        check(leafIndex >= 0 && leafIndex < leafCount, "leafIndex " + leafIndex + " of " + leafCount + " leaves");
        byte[][] path = new byte[auditPathLength(leafIndex, leafCount)][];
        int length = 0;
        int index = leafIndex;
        int size = leafCount;
        for (int level = 0; level < levels.length - 1; level++) {
            int sibling = index ^ 1;
            if (sibling < size) {
                byte[] hash = new byte[HASH_SIZE];
                System.arraycopy(levels[level], sibling * HASH_SIZE, hash, 0, HASH_SIZE);
                path[length++] = hash;
            }
            index >>>= 1;
            size = (size + 1) >>> 1;
        }
        check(length == path.length, "audit path has " + length + " of " + path.length + " hashes");
        return path;
    }

    /** Length of the inclusion path of {@code leafIndex} in a tree of {@code treeSize} leaves (index in range). */
    public static int auditPathLength(long leafIndex, long treeSize) {
        int length = 0;
        long index = leafIndex;
        long size = treeSize;
        for (int level = 0; level < LEVEL_COUNT_MAX && size > 1; level++) {
            if ((index ^ 1) < size) {
                length++;
            }
            index >>>= 1;
            size = (size + 1) >>> 1;
        }
        return length;
    }

    public static byte[] leafHash(byte[] id) {
        check(id.length == HASH_SIZE, "id is " + id.length + " bytes");
        byte[] out = new byte[HASH_SIZE];
        hashInto(Checkpoint.sha256(), LEAF_PREFIX, id, 0, HASH_SIZE, out, 0);
        return out;
    }

    /** How an inclusion path folds (RFC 9162 section 2.1.3.2). */
    public enum Fold { ROOT_MATCHES, LEAF_INDEX_OUT_OF_RANGE, PATH_LENGTH_WRONG, ROOT_DIFFERS }

    /**
     * Verifies that {@code path} proves {@code leafHash} at {@code leafIndex} in a tree of {@code treeSize}
     * leaves with root {@code root}, by the algorithm of RFC 9162 section 2.1.3.2, telling a path of the
     * wrong length apart from one that folds to another root.
     */
    public static Fold fold(byte[] leafHash, long leafIndex, long treeSize, byte[][] path, byte[] root) {
        if (leafIndex < 0 || treeSize < 1 || leafIndex >= treeSize) {
            return Fold.LEAF_INDEX_OUT_OF_RANGE;
        }
        if (path.length != auditPathLength(leafIndex, treeSize)) {
            return Fold.PATH_LENGTH_WRONG;
        }
        MessageDigest sha256 = Checkpoint.sha256();
        long fn = leafIndex;
        long sn = treeSize - 1;
        byte[] r = leafHash.clone();
        byte[] pair = new byte[2 * HASH_SIZE];
        for (byte[] p : path) {
            if (sn == 0) {
                return Fold.PATH_LENGTH_WRONG;
            }
            if ((fn & 1) == 1 || fn == sn) {
                System.arraycopy(p, 0, pair, 0, HASH_SIZE);
                System.arraycopy(r, 0, pair, HASH_SIZE, HASH_SIZE);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                System.arraycopy(r, 0, pair, 0, HASH_SIZE);
                System.arraycopy(p, 0, pair, HASH_SIZE, HASH_SIZE);
            }
            hashInto(sha256, NODE_PREFIX, pair, 0, 2 * HASH_SIZE, r, 0);
            fn >>>= 1;
            sn >>>= 1;
        }
        if (sn != 0) {
            return Fold.PATH_LENGTH_WRONG;
        }
        return MessageDigest.isEqual(r, root) ? Fold.ROOT_MATCHES : Fold.ROOT_DIFFERS;
    }

    private static void hashInto(MessageDigest sha256, byte prefix, byte[] in, int inOffset, int length,
                                 byte[] out, int outOffset) {
        sha256.update(prefix);
        sha256.update(in, inOffset, length);
        try {
            sha256.digest(out, outOffset, HASH_SIZE);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 into " + out.length + " bytes at " + outOffset, e);
        }
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
