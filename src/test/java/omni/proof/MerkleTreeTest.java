package omni.proof;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class MerkleTreeTest {
    /** RFC 6962 section 2.1 written as the RFC states it, recursively: the reference. */
    static byte[] referenceRoot(List<byte[]> ids) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        if (ids.size() == 1) {
            sha.update((byte) 0);
            return sha.digest(ids.get(0));
        }
        int k = Integer.highestOneBit(ids.size() - 1);
        byte[] left = referenceRoot(ids.subList(0, k));
        byte[] right = referenceRoot(ids.subList(k, ids.size()));
        sha.update((byte) 1);
        sha.update(left);
        return sha.digest(right);
    }

    /** RFC 9162 section 2.1.3.1 PATH(m, D[n]), recursively: the reference audit path. */
    static List<byte[]> referencePath(int m, List<byte[]> ids) throws Exception {
        List<byte[]> path = new ArrayList<>();
        if (ids.size() == 1) {
            return path;
        }
        int k = Integer.highestOneBit(ids.size() - 1);
        if (m < k) {
            path.addAll(referencePath(m, ids.subList(0, k)));
            path.add(referenceRoot(ids.subList(k, ids.size())));
        } else {
            path.addAll(referencePath(m - k, ids.subList(k, ids.size())));
            path.add(referenceRoot(ids.subList(0, k)));
        }
        return path;
    }

    static List<byte[]> randomIds(Random random, int count) {
        List<byte[]> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] id = new byte[32];
            random.nextBytes(id);
            ids.add(id);
        }
        return ids;
    }

    static MerkleTree build(List<byte[]> ids) {
        byte[] flat = new byte[ids.size() * 32];
        for (int i = 0; i < ids.size(); i++) {
            System.arraycopy(ids.get(i), 0, flat, i * 32, 32);
        }
        return MerkleTree.fromIdsInPlace(flat, ids.size());
    }

    @Test
    void treesOf1To64LeavesMatchTheRecursiveReferenceAndEveryLeafProves() throws Exception {
        long seed = System.nanoTime();
        System.out.println("MerkleTreeTest seed=" + seed);
        Random random = new Random(seed);
        for (int n = 1; n <= 64; n++) {
            List<byte[]> ids = randomIds(random, n);
            MerkleTree tree = build(ids);
            byte[] root = referenceRoot(ids);
            assertArrayEquals(root, tree.root(), "root of " + n + " leaves, seed=" + seed);
            for (int m = 0; m < n; m++) {
                byte[][] path = tree.auditPath(m);
                List<byte[]> expected = referencePath(m, ids);
                assertEquals(expected.size(), path.length, "path length leaf " + m + " of " + n);
                assertEquals(expected.size(), MerkleTree.auditPathLength(m, n));
                for (int i = 0; i < path.length; i++) {
                    assertArrayEquals(expected.get(i), path[i], "path[" + i + "] leaf " + m + " of " + n);
                }
                assertEquals(MerkleTree.Fold.ROOT_MATCHES,
                        MerkleTree.fold(MerkleTree.leafHash(ids.get(m)), m, n, path, root));
            }
        }
    }

    @Test
    void foldTellsWrongLengthWrongIndexAndWrongRootApart() throws Exception {
        List<byte[]> ids = randomIds(new Random(7), 13);
        MerkleTree tree = build(ids);
        byte[] root = tree.root();
        byte[] leaf = MerkleTree.leafHash(ids.get(5));
        byte[][] path = tree.auditPath(5);
        assertEquals(MerkleTree.Fold.LEAF_INDEX_OUT_OF_RANGE, MerkleTree.fold(leaf, 13, 13, path, root));
        assertEquals(MerkleTree.Fold.LEAF_INDEX_OUT_OF_RANGE, MerkleTree.fold(leaf, -1, 13, path, root));
        assertEquals(MerkleTree.Fold.PATH_LENGTH_WRONG,
                MerkleTree.fold(leaf, 5, 13, Arrays.copyOf(path, path.length - 1), root));
        byte[][] longer = Arrays.copyOf(path, path.length + 1);
        longer[path.length] = new byte[32];
        assertEquals(MerkleTree.Fold.PATH_LENGTH_WRONG, MerkleTree.fold(leaf, 5, 13, longer, root));
        byte[][] changed = path.clone();
        changed[1] = changed[1].clone();
        changed[1][0] ^= 1;
        assertEquals(MerkleTree.Fold.ROOT_DIFFERS, MerkleTree.fold(leaf, 5, 13, changed, root));
        assertEquals(MerkleTree.Fold.ROOT_DIFFERS, MerkleTree.fold(leaf, 4, 13, path, root));
    }

    @Test
    void levelsCostAbout64BytesPerLeaf() {
        MerkleTree tree = build(randomIds(new Random(1), 1000));
        long size = tree.sizeBytes();
        assertEquals(true, size >= 2 * 999 * 32 && size <= 2 * 1000 * 32 + 10 * 32, "size " + size);
    }
}
