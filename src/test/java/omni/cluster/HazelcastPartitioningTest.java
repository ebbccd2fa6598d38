package omni.cluster;

import java.util.Random;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.internal.util.HashUtil;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Our partition function equals Hazelcast 5.7's for Long keys: against the partition hash of the serialized key
 * mapped with Hazelcast's own HashUtil (many keys, fast), and against a real member's partition service (a
 * single member on 127.0.0.1 with every join mechanism off).
 */
class HazelcastPartitioningTest {
    @Test
    void equalsHazelcastForEdgeAndRandomKeys() {
        long seed = Long.getLong("omni.seed", System.nanoTime());
        System.out.println("HazelcastPartitioningTest seed=" + seed);
        InternalSerializationService serialization = new DefaultSerializationServiceBuilder().build();
        Random random = new Random(seed);
        long[] edges = {0, 1, 2, 42, 255, 256, 65_536, Integer.MAX_VALUE, 1L << 32, Long.MAX_VALUE, Long.MAX_VALUE - 1};
        for (long key : edges) {
            assertEquals(hazelcast(serialization, key), HazelcastPartitioning.partitionOf(key), "key " + key);
        }
        for (int k = 0; k < 200_000; k++) {
            long key = k % 2 == 0 ? random.nextLong() & Long.MAX_VALUE : random.nextInt(1_000_000);
            assertEquals(hazelcast(serialization, key), HazelcastPartitioning.partitionOf(key),
                    "seed=" + seed + " key " + key);
        }
    }

    @Test
    void equalsARealMembersPartitionService() {
        Config config = new Config();
        config.setClusterName("omni-partitioning-test-" + System.nanoTime());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "jdk");
        config.getNetworkConfig().setPort(0).setPortAutoIncrement(true);
        config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        try {
            Random random = new Random(7);
            for (int k = 0; k < 20_000; k++) {
                long key = random.nextLong() & Long.MAX_VALUE;
                assertEquals(member.getPartitionService().getPartition(key).getPartitionId(),
                        HazelcastPartitioning.partitionOf(key), "key " + key);
            }
        } finally {
            member.shutdown();
        }
    }

    private static int hazelcast(InternalSerializationService serialization, long key) {
        return HashUtil.hashToIndex(serialization.toData(key).getPartitionHash(), omni.kernel.Kernel.PARTITION_COUNT);
    }
}
