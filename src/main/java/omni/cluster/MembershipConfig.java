package omni.cluster;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import omni.config.BuildInfo;
import omni.config.Setting;
import omni.config.Settings;
import omni.config.SettingsException;

/**
 * What a {@link Membership} is started with, read from OMNI's settings by {@link #from} (docs/cluster.md#membership).
 *
 * @param clusterName      Hazelcast's cluster name ({@code cluster.name}): members meet only members of this name
 * @param ledgerName       the ledger this member serves; a member of another ledger is refused
 * @param version          this member's OMNI version; a member of another major.minor version is refused
 * @param interfaceAddress the IPv4 address cluster traffic binds to and other members reach
 * @param port             the port cluster traffic listens on; 0 picks a free one (others then find it by
 *                         multicast or by being told, as tests do)
 * @param members          host:port of members to join over TCP-IP; empty with multicast off = start alone and
 *                         wait for others to join
 * @param multicast        find members by multicast instead of a member list
 * @param heartbeatTimeoutS seconds without a heartbeat after which a member is removed
 * @param apiUrl           this member's base URL for internal forwarding, e.g. {@code http://10.0.0.2:18000},
 *                         published to the other members
 */
public record MembershipConfig(String clusterName, String ledgerName, String version, String interfaceAddress,
                               int port, List<String> members, boolean multicast, int heartbeatTimeoutS,
                               String apiUrl) {
    /**
     * Below 2 s a single lost heartbeat (sent every second) or a short GC pause would remove a healthy member and
     * move its partitions; above 2 minutes a dead member's partitions would wait too long for a new owner.
     */
    public static final int HEARTBEAT_TIMEOUT_S_MIN = 2;
    public static final int HEARTBEAT_TIMEOUT_S_MAX = 120;
    /** The loopback address a member binds to when every member it is told about is on this machine too. */
    static final String LOOPBACK = "127.0.0.1";

    public MembershipConfig {
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(ledgerName, "ledgerName");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(interfaceAddress, "interfaceAddress");
        Objects.requireNonNull(apiUrl, "apiUrl");
        members = List.copyOf(members);
        if (clusterName.isEmpty() || ledgerName.isEmpty() || version.isEmpty() || interfaceAddress.isEmpty()) {
            throw new IllegalArgumentException("cluster name, ledger name, version and interface must be set: "
                    + clusterName + ", " + ledgerName + ", " + version + ", " + interfaceAddress);
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0-65535: " + port);
        }
        if (multicast && !members.isEmpty()) {
            throw new IllegalArgumentException("multicast and a member list exclude each other: " + members);
        }
        if (heartbeatTimeoutS < HEARTBEAT_TIMEOUT_S_MIN || heartbeatTimeoutS > HEARTBEAT_TIMEOUT_S_MAX) {
            throw new IllegalArgumentException("heartbeat timeout must be " + HEARTBEAT_TIMEOUT_S_MIN + "-"
                    + HEARTBEAT_TIMEOUT_S_MAX + " s: " + heartbeatTimeoutS);
        }
        if (!apiUrl.startsWith("http://") && !apiUrl.startsWith("https://")) {
            throw new IllegalArgumentException("apiUrl must be an http:// or https:// URL: " + apiUrl);
        }
    }

    /**
     * The membership the settings ask for, this build's version and the caller's API URL. Refuses, naming the
     * keys, a member list together with multicast, an unset {@code cluster.interface} where it cannot be derived,
     * a loopback interface with members on other hosts, and an interface that is not an address of this machine.
     */
    public static MembershipConfig from(Settings settings, String apiUrl) throws SettingsException {
        List<String> members = settings.list(Setting.CLUSTER_MEMBERS);
        boolean multicast = settings.bool(Setting.CLUSTER_MULTICAST);
        if (multicast && !members.isEmpty()) {
            throw new SettingsException(Setting.CLUSTER_MEMBERS.key() + " and " + Setting.CLUSTER_MULTICAST.key()
                    + "=true are both set: a member finds the others by one of them; unset one");
        }
        List<String> remote = new ArrayList<>();
        for (String member : members) {
            if (!isLoopback(member.substring(0, member.lastIndexOf(':')))) {
                remote.add(member);
            }
        }
        String configured = settings.string(Setting.CLUSTER_INTERFACE);
        String address = configured.isEmpty() ? derivedInterface(multicast, remote) : configured;
        if (isLoopback(address) && !remote.isEmpty()) {
            throw new SettingsException(Setting.CLUSTER_INTERFACE.key() + " " + address + " is a loopback address"
                    + " but " + Setting.CLUSTER_MEMBERS.key() + " names other hosts (" + String.join(",", remote)
                    + "), which could not reach this member; set it to this machine's address, one of "
                    + localAddresses());
        }
        if (!isLocal(address)) {
            throw new SettingsException(Setting.CLUSTER_INTERFACE.key() + " " + address + " is not an address of"
                    + " this machine; its addresses are " + localAddresses());
        }
        return new MembershipConfig(settings.string(Setting.CLUSTER_NAME), settings.ledgerName(), BuildInfo.version(),
                address, settings.intValue(Setting.CLUSTER_PORT), members, multicast,
                settings.intValue(Setting.CLUSTER_HEARTBEAT_TIMEOUT_S), apiUrl);
    }

    /** 127.0.0.1 when no member is on another host; otherwise no address can be guessed safely. */
    private static String derivedInterface(boolean multicast, List<String> remote) throws SettingsException {
        if (multicast) {
            throw new SettingsException(Setting.CLUSTER_INTERFACE.key() + " must be set when "
                    + Setting.CLUSTER_MULTICAST.key() + " is true: multicast finds members on other hosts, which"
                    + " reach this one at that address; this machine's addresses are " + localAddresses());
        }
        if (!remote.isEmpty()) {
            throw new SettingsException(Setting.CLUSTER_INTERFACE.key() + " must be set when "
                    + Setting.CLUSTER_MEMBERS.key() + " names other hosts (" + String.join(",", remote)
                    + "): they reach this member at that address; this machine's addresses are " + localAddresses());
        }
        return LOOPBACK;
    }

    /** Only names that are loopback without a DNS lookup: {@code localhost}, 127.0.0.0/8 and ::1. */
    static boolean isLoopback(String host) {
        return host.equalsIgnoreCase("localhost") || host.matches("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}")
                || host.equals("::1") || host.equals("[::1]");
    }

    private static boolean isLocal(String address) throws SettingsException {
        try {
            return NetworkInterface.getByInetAddress(InetAddress.getByName(address)) != null;
        } catch (UnknownHostException | SocketException e) {
            throw new SettingsException("cannot check " + Setting.CLUSTER_INTERFACE.key() + " " + address + ": "
                    + e.getMessage());
        }
    }

    /** This machine's IPv4 addresses, for messages that ask the operator to pick one. */
    private static String localAddresses() {
        List<String> addresses = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        addresses.add(a.getHostAddress());
                    }
                }
            }
        } catch (SocketException e) {
            return "(cannot list them: " + e.getMessage() + ")";
        }
        return String.join(", ", addresses);
    }
}
