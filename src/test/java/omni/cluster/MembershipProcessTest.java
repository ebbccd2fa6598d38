package omni.cluster;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import omni.kernel.Kernel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static omni.cluster.ClusterMembers.HEARTBEAT_TIMEOUT_S;
import static omni.cluster.ClusterMembers.addressOf;
import static omni.cluster.ClusterMembers.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * This JVM and a second one ({@link MemberMain}) form a cluster over TCP-IP on 127.0.0.1. The second is paused
 * (SIGSTOP) until this one removes it on the heartbeat timeout, resumed (SIGCONT) until it has rejoined with the
 * same OMNI id, and killed (SIGKILL); the times are printed and bounded.
 */
class MembershipProcessTest {
    /** Beyond the timeout: the last heartbeat before the pause is up to a second old, and a busy machine is late. */
    private static final long PAUSE_DETECTED_MS_MAX = HEARTBEAT_TIMEOUT_S * 1000L + 3_000;
    /** The last heartbeat before the pause is at most a second old, so the timeout is at least this. */
    private static final long PAUSE_DETECTED_MS_MIN = (HEARTBEAT_TIMEOUT_S - 1) * 1000L;
    /**
     * The resumed member may first drop this one on its own heartbeat timeout, then one of the two finds the other in
     * a merge delay and merges: two merge delays and the timeout bound it with room for a busy machine.
     */
    private static final long REJOIN_MS_MAX = 2L * Membership.MERGE_DELAY_S * 1000 + HEARTBEAT_TIMEOUT_S * 1000L
            + 5_000;
    /** A killed member's connection is refused at once; the heartbeat timeout is the fallback. */
    private static final long KILL_DETECTED_MS_MAX = HEARTBEAT_TIMEOUT_S * 1000L + 3_000;

    private Membership local;
    private Process other;

    @AfterEach
    void stop() {
        if (other != null) {
            other.destroyForcibly();
        }
        if (local != null) {
            local.close();
        }
    }

    @Test
    void aPausedMemberIsRemovedRejoinsWhenResumedAndAKilledOneIsSeenGone() throws Exception {
        String cluster = ClusterMembers.uniqueClusterName();
        local = Membership.start(ClusterMembers.config(cluster, "l", "1.0.0", List.of(), "http://127.0.0.1:18001"));
        local.promote();
        AtomicLong lastChangeNs = new AtomicLong();
        local.onChange(() -> lastChangeNs.set(System.nanoTime()));
        Path log = Files.createTempFile("omni-member", ".log");
        other = startMember(cluster, addressOf(local), log);
        BlockingQueue<String> lines = lines(other);
        String started = lines.poll(ClusterMembers.WAIT_MS, TimeUnit.MILLISECONDS);
        assertThat("the other member started; its log:\n" + Files.readString(log), started, startsWith("started "));
        String otherId = started.substring("started ".length());
        await("the other member joined as a data member", () -> isDataMember(otherId));
        assertThat(other(otherId).apiUrl(), is("http://127.0.0.1:18002"));
        await("the other member took a share of the partitions",
                () -> local.assignedPartitions().cardinality() < Kernel.PARTITION_COUNT);

        signal("STOP", other.pid());
        long pausedNs = System.nanoTime();
        await("the paused member is removed", () -> local.members().size() == 1);
        long pauseDetectedMs = msSince(pausedNs);
        await("this member took every partition back",
                () -> local.assignedPartitions().cardinality() == Kernel.PARTITION_COUNT);

        signal("CONT", other.pid());
        long resumedNs = System.nanoTime();
        // Either side may merge into the other: Hazelcast then gives the merging one a new UUID, OMNI's id stays.
        await("the resumed member rejoined with its OMNI id", () -> other(otherId) != null);
        long rejoinedMs = msSince(resumedNs);
        await("the rejoined member is a data member again, sharing the partitions", () -> isDataMember(otherId)
                && !local.isLite() && local.assignedPartitions().cardinality() < Kernel.PARTITION_COUNT);
        assertThat(local.members().size(), is(2));
        assertThat("a listener heard of the rejoin", lastChangeNs.get() > resumedNs, is(true));

        other.destroyForcibly();
        long killedNs = System.nanoTime();
        await("the killed member is removed", () -> local.members().size() == 1);
        long killDetectedMs = msSince(killedNs);
        await("this member took every partition back",
                () -> local.assignedPartitions().cardinality() == Kernel.PARTITION_COUNT);

        System.out.println("MembershipProcessTest: heartbeat timeout " + HEARTBEAT_TIMEOUT_S + " s; paused member"
                + " removed after " + pauseDetectedMs + " ms, resumed member rejoined after " + rejoinedMs
                + " ms, killed member removed after " + killDetectedMs + " ms");
        assertThat(pauseDetectedMs, greaterThanOrEqualTo(PAUSE_DETECTED_MS_MIN));
        assertThat(pauseDetectedMs, lessThanOrEqualTo(PAUSE_DETECTED_MS_MAX));
        assertThat(rejoinedMs, lessThanOrEqualTo(REJOIN_MS_MAX));
        assertThat(killDetectedMs, lessThanOrEqualTo(KILL_DETECTED_MS_MAX));
    }

    /** The member of that id as this one sees it, or null. */
    private Membership.MemberInfo other(String id) {
        return local.members().stream().filter(m -> m.id().equals(id) && !m.local()).findFirst().orElse(null);
    }

    private boolean isDataMember(String id) {
        Membership.MemberInfo m = other(id);
        return m != null && !m.lite();
    }

    /** {@link MemberMain} in a JVM of its own, with the class path and JDK access flags of this one. */
    private static Process startMember(String cluster, String join, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")
                    || arg.startsWith("--sun-misc-unsafe-memory-access")) {
                command.add(arg);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MemberMain.class.getName(), cluster,
                join, "http://127.0.0.1:18002"));
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        // A test JVM that dies must not leave a member running on the shared machine.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        return process;
    }

    private static BlockingQueue<String> lines(Process process) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().name("member-stdout").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // The process was killed.
            }
        });
        return lines;
    }

    private static void signal(String name, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertThat("kill -" + name + " " + pid, kill.waitFor(), is(0));
    }

    private static long msSince(long startNs) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
    }
}
