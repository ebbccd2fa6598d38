package omni.cluster;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.config.MemberAttributeConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.LifecycleListener;
import com.hazelcast.partition.Partition;
import omni.kernel.Kernel;

/**
 * This process's membership of an OMNI cluster, through an embedded Hazelcast member: who the members are, which of
 * the {@value Kernel#PARTITION_COUNT} partitions Hazelcast's table says this member should own, and a signal when
 * either changes. Nothing else lives in Hazelcast: who does own a partition is fenced in PostgreSQL
 * (docs/cluster.md), so a wrong or stale answer here costs a partition move, never a transfer.
 *
 * <p>A member starts lite (it owns nothing) and is promoted to a data member once its engine has replayed storage,
 * so that partitions reach it only when it can serve them. A member of another ledger or of an incompatible OMNI
 * version is refused: the cluster is what its oldest member is; a younger member that differs logs the reason and
 * stops (its {@link #start} throws), and the members already there log which member they refused and leave it
 * out of {@link #members}. Settings and times: docs/cluster.md#membership.
 */
public final class Membership implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Membership.class.getName());
    /**
     * Hazelcast's own loggers, held so that the level set below is not lost with a collected logger. Its INFO
     * lines (start banner, every member list) would drown OMNI's; its warnings still show. A level the logging
     * configuration sets wins.
     */
    private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");

    static {
        if (LogManager.getLogManager().getProperty("com.hazelcast.level") == null) {
            HAZELCAST_LOG.setLevel(Level.WARNING);
        }
    }

    /** Member attributes: OMNI's stable member id, ledger, version and API URL, published to every member. */
    static final String ATTRIBUTE_ID = "omni.member";
    static final String ATTRIBUTE_LEDGER = "omni.ledger";
    static final String ATTRIBUTE_VERSION = "omni.version";
    static final String ATTRIBUTE_API_URL = "omni.api";
    /**
     * A heartbeat every second, so that the heartbeat timeout (5 s by default) is several missed beats: one lost
     * or late beat never removes a member, a paused or cut-off one is removed within the timeout. A killed member
     * is found sooner, when its connection is refused.
     */
    static final int HEARTBEAT_INTERVAL_S = 1;
    /**
     * How soon after start, and how often after that, a cluster looks for members it lost (a healed network, a
     * resumed pause) and merges with them: 5 s, so that a healed member rejoins in about 10 s. A look is a few
     * connection attempts to the members configured, cheap at this rate.
     */
    static final int MERGE_DELAY_S = 5;
    /**
     * How long {@link #close} waits for the partitions this member holds to move to others first. No data moves
     * (Hazelcast keeps none for OMNI), only the table, which takes well under a second here; 20 s bounds a busy or
     * partly reachable cluster, after which the member leaves and the others take over as from a crash.
     */
    static final int GRACEFUL_SHUTDOWN_WAIT_S = 20;
    /**
     * How often the partitions assigned to this member are compared with the last look, to signal a move. Hazelcast
     * 5.7 fires no migration event for the rebalance after a promotion or a graceful leave (only for the promotion
     * of backups after a crash), so the table is watched instead: 271 lookups ten times a second cost
     * microseconds, and a moved partition's new owner hears of it within 100 ms.
     */
    static final long ASSIGNMENT_CHECK_MS = 100;
    /** A few components follow membership; more than this is a listener added per request, a leak. */
    static final int LISTENER_COUNT_MAX = 16;
    /** major.minor of a version such as 0.1.0 or 1.2.3-rc1: members of the same major.minor work together. */
    private static final Pattern MAJOR_MINOR = Pattern.compile("(\\d+)\\.(\\d+)(?:[.-].*)?");
    /** Hazelcast refuses two instances of one name in a process; tests start several members in one JVM. */
    private static final AtomicInteger INSTANCE_SEQUENCE = new AtomicInteger();

    private final MembershipConfig config;
    private final String memberId;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final HazelcastInstance hz;
    /** One thread, which alone reads and writes {@link #lastAssigned}. */
    private final ScheduledExecutorService watch;
    private BitSet lastAssigned = new BitSet(Kernel.PARTITION_COUNT);

    private Membership(MembershipConfig config) {
        this.config = config;
        // Hazelcast draws a new member UUID when a member rejoins after a split; OMNI's id stays for the process.
        this.memberId = UUID.randomUUID().toString();
        Config hazelcastConfig = hazelcastConfig(config, memberId,
                "omni-" + ProcessHandle.current().pid() + "-" + INSTANCE_SEQUENCE.incrementAndGet());
        hazelcastConfig.addListenerConfig(new ListenerConfig(new MembershipEvents()));
        hazelcastConfig.addListenerConfig(new ListenerConfig(new LifecycleEvents()));
        try {
            this.hz = Hazelcast.newHazelcastInstance(hazelcastConfig);
        } catch (RuntimeException e) {
            throw new MembershipException("cannot start the cluster member on " + config.interfaceAddress() + ":"
                    + config.port() + " (cluster.interface, cluster.port): " + rootMessage(e), e);
        }
        this.watch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "omni-membership-watch");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts Hazelcast as a lite member (it owns no partition) and joins the cluster the config names, or starts
     * one. Refuses a cluster of another ledger or an incompatible OMNI version: logs why, leaves it and throws.
     *
     * @throws MembershipException when the member cannot listen, or the cluster refused it
     */
    public static Membership start(MembershipConfig config) {
        Membership membership = new Membership(Objects.requireNonNull(config, "config"));
        String refusal = membership.refusalOfThisMember();
        if (refusal != null) {
            String message = "this member is refused by cluster '" + config.clusterName() + "': " + refusal
                    + "; it leaves the cluster";
            LOG.severe(message);
            membership.watch.shutdownNow();
            membership.hz.getLifecycleService().terminate();
            throw new MembershipException(message);
        }
        membership.watch.scheduleWithFixedDelay(membership::checkAssignment, ASSIGNMENT_CHECK_MS,
                ASSIGNMENT_CHECK_MS, TimeUnit.MILLISECONDS);
        return membership;
    }

    /** OMNI's id of this member: drawn at start, stable for the life of the process. */
    public String localMemberId() {
        return memberId;
    }

    /**
     * Lite to data member: Hazelcast then assigns it a share of the partitions. Called once the engine has replayed
     * storage; does nothing on a data member.
     */
    public void promote() {
        if (!isLite()) {
            return;
        }
        try {
            hz.getCluster().promoteLocalLiteMember();
        } catch (RuntimeException e) {
            throw new MembershipException("cannot promote this cluster member to a data member: " + rootMessage(e),
                    e);
        }
    }

    /** Whether this member is lite (owns no partition); true once Hazelcast stopped, as it then owns none. */
    public boolean isLite() {
        try {
            return hz.getCluster().getLocalMember().isLiteMember();
        } catch (HazelcastInstanceNotActiveException e) {
            return true;
        }
    }

    /** Partitions Hazelcast's table assigns to this member now (empty while lite or once Hazelcast stopped). */
    public BitSet assignedPartitions() {
        BitSet assigned = new BitSet(Kernel.PARTITION_COUNT);
        if (isLite()) {
            return assigned;
        }
        try {
            for (Partition partition : hz.getPartitionService().getPartitions()) {
                Member owner = partition.getOwner();
                if (owner != null && owner.localMember()) {
                    assigned.set(partition.getPartitionId());
                }
            }
        } catch (HazelcastInstanceNotActiveException e) {
            return new BitSet(Kernel.PARTITION_COUNT);
        }
        return assigned;
    }

    /** The members, oldest first, this one included; refused members are left out. Empty once Hazelcast stopped. */
    public List<MemberInfo> members() {
        Set<Member> all;
        try {
            all = hz.getCluster().getMembers();
        } catch (HazelcastInstanceNotActiveException e) {
            return List.of();
        }
        List<MemberInfo> members = new ArrayList<>(all.size());
        for (Member member : all) {
            if (member.localMember() || mismatch(member, config.ledgerName(), config.version()) == null) {
                members.add(new MemberInfo(member.getAttribute(ATTRIBUTE_ID), address(member),
                        member.getAttribute(ATTRIBUTE_API_URL), member.isLiteMember(), member.localMember()));
            }
        }
        return members;
    }

    /**
     * Adds a listener called after members join or leave, partitions move to or from this member (seen within
     * {@value #ASSIGNMENT_CHECK_MS} ms), or this member rejoins after a split or stops. Called on a Hazelcast
     * event thread or this member's watch thread: it must not block (read the state it needs, or wake a thread of
     * its own). A listener that throws is logged and the others still run.
     */
    public void onChange(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        if (listeners.size() >= LISTENER_COUNT_MAX) {
            throw new IllegalStateException("already " + listeners.size() + " membership listeners, the most allowed");
        }
        listeners.add(listener);
    }

    /**
     * Leaves the cluster: a data member first hands its partitions over (at most {@value #GRACEFUL_SHUTDOWN_WAIT_S}
     * s), so the others take them without waiting for a timeout. Idempotent.
     */
    @Override
    public void close() {
        watch.shutdownNow();
        if (hz.getLifecycleService().isRunning()) {
            hz.shutdown();
        }
    }

    /**
     * A member as this one sees it.
     *
     * @param id             OMNI's member id ({@link #localMemberId} of that member)
     * @param clusterAddress host:port of its cluster traffic
     * @param apiUrl         its base URL for internal forwarding
     * @param lite           whether it is still lite (replaying storage; owns nothing)
     * @param local          whether it is this member
     */
    public record MemberInfo(String id, String clusterAddress, String apiUrl, boolean lite, boolean local) {
    }

    /**
     * Why the cluster refuses this member, or null when it does not: it compares this member with the oldest
     * other member, which is what the cluster is. Null too when this member is the oldest.
     */
    private String refusalOfThisMember() {
        Set<Member> members;
        try {
            members = hz.getCluster().getMembers();
        } catch (HazelcastInstanceNotActiveException e) {
            members = Set.of();
        }
        if (members.isEmpty()) {
            return "the cluster member stopped while joining";
        }
        Member oldest = members.iterator().next();
        if (oldest.localMember()) {
            return null;
        }
        String mismatch = mismatch(oldest, config.ledgerName(), config.version());
        return mismatch == null ? null : "its oldest member " + address(oldest) + " " + mismatch;
    }

    /**
     * How {@code other} differs from a member of this ledger and version so that the two cannot be one cluster,
     * or null when they can. Versions are compatible when their major.minor is the same: a patch release keeps
     * the internal forwarding route and the ownership tables as they are.
     */
    static String mismatch(Member other, String ledgerName, String version) {
        String otherLedger = other.getAttribute(ATTRIBUTE_LEDGER);
        String otherVersion = other.getAttribute(ATTRIBUTE_VERSION);
        if (otherLedger == null || otherVersion == null || other.getAttribute(ATTRIBUTE_ID) == null) {
            return "is not an OMNI member (it has no " + ATTRIBUTE_LEDGER + " and " + ATTRIBUTE_VERSION
                    + " attributes)";
        }
        if (!otherLedger.equals(ledgerName)) {
            return "serves ledger '" + otherLedger + "', not '" + ledgerName + "' (a cluster serves one ledger; give"
                    + " each ledger its own cluster.name)";
        }
        if (!majorMinor(otherVersion).equals(majorMinor(version))) {
            return "runs OMNI " + otherVersion + ", not compatible with " + version + " (members must share the"
                    + " major.minor version)";
        }
        return null;
    }

    static String majorMinor(String version) {
        Matcher m = MAJOR_MINOR.matcher(version);
        return m.matches() ? m.group(1) + "." + m.group(2) : version;
    }

    /** host:port, with brackets around an IPv6 host. */
    private static String address(Member member) {
        String host = member.getAddress().getHost();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + member.getAddress().getPort();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
    }

    private static Config hazelcastConfig(MembershipConfig c, String memberId, String instanceName) {
        Config config = new Config();
        config.setClusterName(c.clusterName());
        config.setInstanceName(instanceName);
        config.setLiteMember(true);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "jdk");
        // OMNI's own shutdown closes this member in its order (after the engine commits what it sequenced).
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        // Bind only the configured interface: the address others reach is the one it listens on.
        config.setProperty("hazelcast.socket.bind.any", "false");
        // The kernel shards accounts over exactly these partitions (HazelcastPartitioning).
        config.setProperty("hazelcast.partition.count", Integer.toString(Kernel.PARTITION_COUNT));
        config.setProperty("hazelcast.heartbeat.interval.seconds", Integer.toString(HEARTBEAT_INTERVAL_S));
        config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(c.heartbeatTimeoutS()));
        config.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(MERGE_DELAY_S));
        config.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(MERGE_DELAY_S));
        config.setProperty("hazelcast.graceful.shutdown.max.wait", Integer.toString(GRACEFUL_SHUTDOWN_WAIT_S));
        MemberAttributeConfig attributes = config.getMemberAttributeConfig();
        attributes.setAttribute(ATTRIBUTE_ID, memberId);
        attributes.setAttribute(ATTRIBUTE_LEDGER, c.ledgerName());
        attributes.setAttribute(ATTRIBUTE_VERSION, c.version());
        attributes.setAttribute(ATTRIBUTE_API_URL, c.apiUrl());
        NetworkConfig network = config.getNetworkConfig();
        // The member lists name exact ports: a member that cannot have its port fails rather than take the next.
        network.setPort(c.port()).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface(c.interfaceAddress());
        JoinConfig join = network.getJoin();
        join.getAutoDetectionConfig().setEnabled(false);
        join.getMulticastConfig().setEnabled(c.multicast());
        // With no member list and no multicast TCP-IP stays on, so that members listing this one can join it.
        join.getTcpIpConfig().setEnabled(!c.multicast()).setMembers(c.members());
        return config;
    }

    /**
     * On the watch thread: signals a change of the partitions assigned to this member. A failed look is logged
     * and the next one tried, as a task that throws would never run again.
     */
    private void checkAssignment() {
        try {
            BitSet assigned = assignedPartitions();
            if (!assigned.equals(lastAssigned)) {
                lastAssigned = assigned;
                changed();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read the partitions assigned to this cluster member", e);
        }
    }

    private void changed() {
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a cluster membership listener failed", e);
            }
        }
    }

    /** Warns of younger members that differ (they refuse themselves) and signals every other change. */
    private final class MembershipEvents implements MembershipListener {
        @Override
        public void memberAdded(MembershipEvent event) {
            Member added = event.getMember();
            String mismatch = mismatch(added, config.ledgerName(), config.version());
            if (mismatch == null) {
                changed();
            } else if (isYoungerThanLocal(event.getMembers(), added)) {
                LOG.warning("refused cluster member " + address(added) + " (" + added.getAttribute(ATTRIBUTE_ID)
                        + "): it " + mismatch + "; it leaves the cluster");
            }
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
            if (mismatch(event.getMember(), config.ledgerName(), config.version()) == null) {
                changed();
            }
        }

        private static boolean isYoungerThanLocal(Set<Member> oldestFirst, Member member) {
            for (Iterator<Member> it = oldestFirst.iterator(); it.hasNext(); ) {
                Member m = it.next();
                if (m.localMember()) {
                    return true;
                }
                if (m.equals(member)) {
                    return false;
                }
            }
            return false;
        }
    }

    /**
     * After a split heals, Hazelcast merges this member into the other side's cluster without asking OMNI: check
     * it again there (off the event thread, which holds Hazelcast's lifecycle lock) and leave a cluster that
     * refuses it. Signals the merge and a stop too.
     */
    private final class LifecycleEvents implements LifecycleListener {
        @Override
        public void stateChanged(LifecycleEvent event) {
            switch (event.getState()) {
                case MERGED -> Thread.ofVirtual().name("omni-membership-merged").start(this::checkAfterMerge);
                case SHUTDOWN -> changed();
                default -> {
                }
            }
        }

        private void checkAfterMerge() {
            String refusal = refusalOfThisMember();
            if (refusal != null) {
                LOG.severe("after a split healed, this member is refused by cluster '" + config.clusterName() + "': "
                        + refusal + "; it leaves the cluster and owns no partition");
                hz.getLifecycleService().terminate();
            }
            changed();
        }
    }
}
