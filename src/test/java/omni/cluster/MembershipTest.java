package omni.cluster;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;

import io.helidon.metrics.api.Metrics;
import omni.config.BuildInfo;
import omni.kernel.Kernel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static omni.cluster.ClusterMembers.addressOf;
import static omni.cluster.ClusterMembers.await;
import static omni.cluster.ClusterMembers.config;
import static omni.cluster.ClusterMembers.awaitSettled;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several members in this JVM on 127.0.0.1, each of a cluster name of its own test: they join over TCP-IP, stay
 * lite until promoted, share the partitions exactly once, hand them over when one leaves, and refuse a member of
 * another ledger or an incompatible version with a message on both sides.
 */
class MembershipTest {
    private final List<Membership> started = new ArrayList<>();
    private final String cluster = ClusterMembers.uniqueClusterName();

    @AfterEach
    void closeMembers() {
        started.forEach(Membership::close);
    }

    private Membership start(String ledger, String version, List<String> members, String apiUrl) {
        Membership m = Membership.start(config(cluster, ledger, version, members, apiUrl));
        started.add(m);
        return m;
    }

    @Test
    void joinsOverTcpIpStaysLiteUntilPromotedAndSharesEveryPartitionOnce() throws Exception {
        Membership a = start("l", "1.2.0", List.of("127.0.0.1:1"), "http://127.0.0.1:18001");
        Membership b = start("l", "1.2.3", List.of(addressOf(a)), "http://127.0.0.1:18002");
        await("both see two members", () -> a.members().size() == 2 && b.members().size() == 2);
        assertThat(a.localMemberId(), not(b.localMemberId()));
        for (Membership m : List.of(a, b)) {
            assertThat(m.members().stream().map(Membership.MemberInfo::id).toList(),
                    contains(a.localMemberId(), b.localMemberId()));
            assertThat(m.members().stream().map(Membership.MemberInfo::apiUrl).toList(),
                    contains("http://127.0.0.1:18001", "http://127.0.0.1:18002"));
            assertThat(m.members().stream().map(Membership.MemberInfo::local).toList(),
                    contains(m == a, m == b));
            assertTrue(m.isLite());
            assertTrue(m.assignedPartitions().isEmpty(), "a lite member is assigned nothing");
        }
        assertThat(a.members().get(1).clusterAddress(), is(addressOf(b)));

        a.promote();
        assertThat(a.isLite(), is(false));
        await("the only data member is assigned every partition",
                () -> a.assignedPartitions().cardinality() == Kernel.PARTITION_COUNT);
        assertTrue(b.isLite());
        assertTrue(b.assignedPartitions().isEmpty());
        await("b sees a as a data member", () -> !b.members().get(0).lite());

        b.promote();
        b.promote();
        awaitSettled("two data members share the partitions exactly once", List.of(a, b));
    }

    @Test
    void aLeavingMembersPartitionsMoveAndListenersHearOfIt() throws Exception {
        Membership a = start("l", "1.2.0", List.of(), "http://127.0.0.1:18001");
        Membership b = start("l", "1.2.0", List.of(addressOf(a)), "http://127.0.0.1:18002");
        Membership c = start("l", "1.2.0", List.of(addressOf(a), addressOf(b)), "http://127.0.0.1:18003");
        await("three members", () -> a.members().size() == 3 && c.members().size() == 3);
        AtomicReference<BitSet> heardByA = new AtomicReference<>(new BitSet());
        a.onChange(() -> heardByA.set(a.assignedPartitions()));
        a.onChange(() -> {
            throw new IllegalStateException("a failing listener does not stop the others");
        });
        a.promote();
        b.promote();
        c.promote();
        awaitSettled("three data members share the partitions exactly once", List.of(a, b, c));
        BitSet ofC = c.assignedPartitions();
        BitSet ofA = a.assignedPartitions();
        await("a listener of a heard the latest assignment", () -> heardByA.get().equals(a.assignedPartitions()));

        c.close();
        await("a and b see c gone", () -> a.members().size() == 2 && b.members().size() == 2);
        awaitSettled("c's partitions moved to a and b", List.of(a, b));
        BitSet now = a.assignedPartitions();
        now.or(b.assignedPartitions());
        BitSet moved = (BitSet) ofC.clone();
        moved.andNot(now);
        assertTrue(!ofC.isEmpty() && moved.isEmpty(), "every partition of c has a new owner: " + moved);
        assertThat("a took a share of c's: " + ofA.cardinality() + " -> " + a.assignedPartitions().cardinality(),
                a.assignedPartitions().cardinality() > ofA.cardinality(), is(true));
        await("a listener of a heard of the move", () -> heardByA.get().equals(a.assignedPartitions()));
        assertThat(c.members(), hasSize(0));
        assertTrue(c.assignedPartitions().isEmpty(), "a closed member is assigned nothing");
        c.close();
    }

    @Test
    void findsMembersByMulticastWhenAsked() throws Exception {
        List<Membership> members = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            Membership m = Membership.start(new MembershipConfig(cluster, "l", "1.2.0", "127.0.0.1", 0, List.of(),
                    true, ClusterMembers.HEARTBEAT_TIMEOUT_S, "http://127.0.0.1:1800" + i));
            started.add(m);
            members.add(m);
        }
        await("both found each other by multicast",
                () -> members.get(0).members().size() == 2 && members.get(1).members().size() == 2);
    }

    @Test
    void aMemberOfAnotherLedgerIsRefusedOnBothSides() throws Exception {
        try (ClusterMembers.LogLines log = new ClusterMembers.LogLines()) {
            Membership a = start("payments", "1.2.0", List.of(), "http://127.0.0.1:18001");
            MembershipException e = assertThrows(MembershipException.class,
                    () -> start("loyalty", "1.2.0", List.of(addressOf(a)), "http://127.0.0.1:18002"));
            assertThat(e.getMessage(), containsString("this member is refused by cluster '" + cluster + "'"));
            assertThat(e.getMessage(), containsString("serves ledger 'payments', not 'loyalty'"));
            assertThat(log.at(Level.SEVERE), contains(e.getMessage()));
            await("the cluster warned of the refused member", () -> !log.at(Level.WARNING).isEmpty());
            assertThat(log.at(Level.WARNING).get(0), containsString("refused cluster member 127.0.0.1:"));
            assertThat(log.at(Level.WARNING).get(0), containsString("serves ledger 'loyalty', not 'payments'"));
            await("the refused member left", () -> a.members().size() == 1);
            assertThat(a.members().get(0).id(), is(a.localMemberId()));
        }
    }

    @Test
    void aMemberOfAnotherMajorMinorVersionIsRefusedOnBothSidesAPatchReleaseJoins() throws Exception {
        try (ClusterMembers.LogLines log = new ClusterMembers.LogLines()) {
            Membership a = start("l", "1.2.0", List.of(), "http://127.0.0.1:18001");
            MembershipException e = assertThrows(MembershipException.class,
                    () -> start("l", "1.3.0", List.of(addressOf(a)), "http://127.0.0.1:18002"));
            assertThat(e.getMessage(), containsString("runs OMNI 1.2.0, not compatible with 1.3.0"));
            assertThat(log.at(Level.SEVERE), contains(e.getMessage()));
            await("the cluster warned of the refused member", () -> !log.at(Level.WARNING).isEmpty());
            assertThat(log.at(Level.WARNING).get(0), containsString("runs OMNI 1.3.0, not compatible with 1.2.0"));
            Membership patch = start("l", "1.2.9-rc1", List.of(addressOf(a)), "http://127.0.0.1:18003");
            await("the patch release joined", () -> a.members().size() == 2 && patch.members().size() == 2);
            assertThat(log.at(Level.WARNING), hasSize(1));
        }
    }

    @Test
    void aClusterOfAnotherLedgerFoundAfterStartIsRefusedWhenTheyMerge() throws Exception {
        try (ClusterMembers.LogLines log = new ClusterMembers.LogLines()) {
            int portOfX = freePort();
            // y lists x's port before x listens: each starts a cluster of its own, until y's merge check finds x.
            Membership y = Membership.start(new MembershipConfig(cluster, "y", "1.2.0", "127.0.0.1", 0,
                    List.of("127.0.0.1:" + portOfX), false, ClusterMembers.HEARTBEAT_TIMEOUT_S, "http://127.0.0.1:1"));
            started.add(y);
            Membership x = Membership.start(new MembershipConfig(cluster, "x", "1.2.0", "127.0.0.1", portOfX,
                    List.of(), false, ClusterMembers.HEARTBEAT_TIMEOUT_S, "http://127.0.0.1:2"));
            started.add(x);
            y.promote();
            x.promote();
            assertThat(x.members(), hasSize(1));
            assertThat(y.members(), hasSize(1));
            // Hazelcast picks which of two one-member clusters merges into the other; that one is refused.
            await("the member that merged was refused", () -> !log.at(Level.SEVERE).isEmpty());
            String severe = log.at(Level.SEVERE).get(0);
            assertThat(severe, containsString("after a split healed, this member is refused by cluster"));
            Membership refused = severe.contains("serves ledger 'x', not 'y'") ? y : x;
            Membership kept = refused == y ? x : y;
            await("the refused member left and owns nothing",
                    () -> refused.members().isEmpty() && refused.assignedPartitions().isEmpty());
            await("the cluster warned of it", () -> !log.at(Level.WARNING).isEmpty());
            assertThat(log.at(Level.WARNING).get(0), containsString("refused cluster member"));
            await("the other kept every partition", () -> kept.members().size() == 1
                    && kept.assignedPartitions().cardinality() == Kernel.PARTITION_COUNT);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    @Test
    void versionsMatchOnMajorMinor() {
        assertEquals("0.1", Membership.majorMinor("0.1.0"));
        assertEquals("0.1", Membership.majorMinor("0.1.12-SNAPSHOT"));
        assertEquals("10.20", Membership.majorMinor("10.20"));
        assertEquals("1.2", Membership.majorMinor("1.2-rc1"));
        assertEquals("nightly", Membership.majorMinor("nightly"), "a version without major.minor must match whole");
        assertThat(Membership.majorMinor(BuildInfo.version()), not(BuildInfo.version()));
    }

    @Test
    void aBusyPortStopsTheStartNamingIt() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            MembershipConfig c = new MembershipConfig(cluster, "l", "1.2.0", "127.0.0.1", busy.getLocalPort(),
                    List.of(), false, ClusterMembers.HEARTBEAT_TIMEOUT_S, "http://127.0.0.1:18001");
            MembershipException e = assertThrows(MembershipException.class, () -> started.add(Membership.start(c)));
            assertThat(e.getMessage(), containsString("cannot start the cluster member on 127.0.0.1:"
                    + busy.getLocalPort() + " (cluster.interface, cluster.port)"));
        }
    }

    @Test
    void theMembersGaugeCountsLiveMembersAndTheSingleMemberPathStillWorks() throws Exception {
        Membership a = start("l", "1.2.0", List.of(), "http://127.0.0.1:18001");
        ClusterMetrics.registerMembership(a, () -> 7);
        assertThat(gauge("omni_cluster_members"), is(1.0));
        assertThat(gauge("omni_partitions_owned"), is(7.0));
        Membership b = start("l", "1.2.0", List.of(addressOf(a)), "http://127.0.0.1:18002");
        await("the gauge counts the member that joined", () -> gauge("omni_cluster_members") == 2.0);
        b.close();
        await("the gauge counts the member that left", () -> gauge("omni_cluster_members") == 1.0);
        a.close();
        assertThat("a closed member sees no cluster", gauge("omni_cluster_members"), is(0.0));
        ClusterMetrics.registerSingleMember();
        assertThat(gauge("omni_cluster_members"), is(1.0));
        assertThat(gauge("omni_partitions_owned"), is((double) Kernel.PARTITION_COUNT));
    }

    @Test
    void listenersAreBounded() {
        Membership a = start("l", "1.2.0", List.of(), "http://127.0.0.1:18001");
        for (int i = 0; i < Membership.LISTENER_COUNT_MAX; i++) {
            a.onChange(() -> { });
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.onChange(() -> { }));
        assertThat(e.getMessage(), containsString("the most allowed"));
        assertThat(List.of(a.members().get(0).apiUrl()), hasItem("http://127.0.0.1:18001"));
    }

    private static double gauge(String name) {
        return Metrics.globalRegistry().gauge(name, List.of()).orElseThrow().value().doubleValue();
    }
}
