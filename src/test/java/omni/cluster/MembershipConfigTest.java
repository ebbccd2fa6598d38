package omni.cluster;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import omni.config.BuildInfo;
import omni.config.Setting;
import omni.config.Settings;
import omni.config.SettingsException;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** How the cluster settings become a MembershipConfig: the derived interface and every refusal, naming the keys. */
class MembershipConfigTest {
    private static final String API = "http://127.0.0.1:18000";
    /** TEST-NET-2 (RFC 5737): never an address of a machine that runs the tests. */
    private static final String NOT_LOCAL = "198.51.100.77";

    @Test
    void defaultsGiveALoopbackMemberOfThisLedgerAndVersion() throws Exception {
        MembershipConfig c = MembershipConfig.from(Settings.of(Map.of(Setting.LEDGER_NAME, "payments")), API);
        assertThat(c.clusterName(), is("omni"));
        assertThat(c.ledgerName(), is("payments"));
        assertThat(c.version(), is(BuildInfo.version()));
        assertThat(c.interfaceAddress(), is("127.0.0.1"));
        assertThat(c.port(), is(5701));
        assertThat(c.members(), is(empty()));
        assertThat(c.multicast(), is(false));
        assertThat(c.heartbeatTimeoutS(), is(5));
        assertThat(c.apiUrl(), is(API));
    }

    @Test
    void membersAllOnThisMachineBindToLoopback() throws Exception {
        MembershipConfig c = MembershipConfig.from(Settings.of(Map.of(
                Setting.CLUSTER_MEMBERS, "127.0.0.1:5701,localhost:5702,127.0.0.2:5703",
                Setting.CLUSTER_PORT, "5702", Setting.CLUSTER_HEARTBEAT_TIMEOUT_S, "9")), API);
        assertThat(c.interfaceAddress(), is("127.0.0.1"));
        assertThat(c.members(), contains("127.0.0.1:5701", "localhost:5702", "127.0.0.2:5703"));
        assertThat(c.port(), is(5702));
        assertThat(c.heartbeatTimeoutS(), is(9));
    }

    @Test
    void membersOnOtherHostsNeedTheInterface() {
        String message = refusal(Map.of(Setting.CLUSTER_MEMBERS, "127.0.0.1:5701,10.0.0.3:5701"));
        assertThat(message, containsString("cluster.interface must be set when cluster.members names other hosts"
                + " (10.0.0.3:5701)"));
        assertThat(message, containsString("this machine's addresses are "));
        assertThat(message, containsString("127.0.0.1"));
    }

    @Test
    void aConfiguredLocalInterfaceIsUsed() throws Exception {
        String local = nonLoopbackAddress();
        assumeTrue(local != null, "this machine has no IPv4 address besides loopback");
        MembershipConfig c = MembershipConfig.from(Settings.of(Map.of(Setting.CLUSTER_MEMBERS, "10.0.0.3:5701",
                Setting.CLUSTER_INTERFACE, local)), API);
        assertThat(c.interfaceAddress(), is(local));
    }

    @Test
    void multicastNeedsTheInterfaceAndExcludesAMemberList() {
        assertThat(refusal(Map.of(Setting.CLUSTER_MULTICAST, "true")),
                containsString("cluster.interface must be set when cluster.multicast is true"));
        assertThat(refusal(Map.of(Setting.CLUSTER_MULTICAST, "true", Setting.CLUSTER_MEMBERS, "127.0.0.1:5701")),
                containsString("cluster.members and cluster.multicast=true are both set"));
    }

    @Test
    void anInterfaceThatIsNotOfThisMachineOrLoopbackWithOtherHostsIsRefused() {
        assertThat(refusal(Map.of(Setting.CLUSTER_INTERFACE, NOT_LOCAL)),
                containsString("cluster.interface " + NOT_LOCAL + " is not an address of this machine"));
        assertThat(refusal(Map.of(Setting.CLUSTER_INTERFACE, "127.0.0.1", Setting.CLUSTER_MEMBERS, "10.0.0.3:5701")),
                containsString("cluster.interface 127.0.0.1 is a loopback address but cluster.members names other"
                        + " hosts (10.0.0.3:5701)"));
    }

    @Test
    void theRecordRefusesWhatNoSettingsCanGive() {
        assertThrows(IllegalArgumentException.class, () -> new MembershipConfig("c", "l", "1.0.0", "127.0.0.1",
                5701, List.of("127.0.0.1:5702"), true, 5, API));
        assertThrows(IllegalArgumentException.class, () -> new MembershipConfig("c", "l", "1.0.0", "127.0.0.1",
                5701, List.of(), false, 1, API));
        assertThrows(IllegalArgumentException.class, () -> new MembershipConfig("c", "l", "1.0.0", "127.0.0.1",
                5701, List.of(), false, 5, "ftp://x"));
        assertThrows(IllegalArgumentException.class, () -> new MembershipConfig("c", "", "1.0.0", "127.0.0.1",
                5701, List.of(), false, 5, API));
    }

    private static String refusal(Map<Setting, String> settings) {
        return assertThrows(SettingsException.class, () -> MembershipConfig.from(Settings.of(settings), API))
                .getMessage();
    }

    private static String nonLoopbackAddress() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return a.getHostAddress();
                }
            }
        }
        return null;
    }
}
