package omni.cluster;

import omni.kernel.Kernel;

/**
 * The partition that Hazelcast 5.7's default partitioning gives a {@code Long} key, computed without Hazelcast so
 * that the kernel can shard accounts the way a cluster will own them. Hazelcast serializes a Long as
 * {@code [partition hash 0][type id -8][value]}, all big-endian; its partition hash is MurmurHash3 x86_32 (seed
 * 0x01000193, 4-byte blocks read little-endian) of the 8 value bytes only, mapped to a partition with
 * {@code abs(hash) % partitionCount} (0 for Integer.MIN_VALUE). A test compares it with Hazelcast's own
 * serialization and HashUtil for many random keys.
 */
public final class HazelcastPartitioning {
    /** Hazelcast's MurmurHash3 default seed. */
    private static final int MURMUR_SEED = 0x01000193;
    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    private HazelcastPartitioning() {
    }

    /** Hazelcast's partition id for {@code Long.valueOf(accountId)} with {@link Kernel#PARTITION_COUNT} partitions. */
    public static int partitionOf(long accountId) {
        int hash = murmur3Of((int) (accountId >>> 32), (int) accountId);
        return hash == Integer.MIN_VALUE ? 0 : Math.abs(hash) % Kernel.PARTITION_COUNT;
    }

    /** MurmurHash3 x86_32 of two big-endian ints (8 bytes) read as Hazelcast reads them (little-endian blocks). */
    private static int murmur3Of(int high, int low) {
        int h = MURMUR_SEED;
        h = mixBlock(h, Integer.reverseBytes(high));
        h = mixBlock(h, Integer.reverseBytes(low));
        h ^= Long.BYTES;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    private static int mixBlock(int h, int block) {
        int k = block * C1;
        k = Integer.rotateLeft(k, 15);
        k *= C2;
        h ^= k;
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }
}
