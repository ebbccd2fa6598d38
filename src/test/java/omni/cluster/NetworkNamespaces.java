package omni.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces for partition tests, each joined by a veth pair to one bridge in the root namespace: the
 * bridge has {@code 10.250.<subnet>.1/24}, namespace {@code i} has {@code 10.250.<subnet>.(11+i)}, so the members
 * reach each other over the bridge and the test reaches them, and they it, without any forwarding or route.
 * {@link #cut} puts an nftables table into a namespace that drops what the rule names, both ways, and
 * {@link #heal} deletes it. Every name carries a random suffix, so concurrent runs never meet, and {@link #close}
 * (also run by a shutdown hook if the test JVM is stopped first) undoes everything made, in reverse order.
 */
final class NetworkNamespaces implements AutoCloseable {
    /** {@code ip} and {@code nft} return in milliseconds; a longer wait means the machine is in trouble. */
    private static final long COMMAND_WAIT_S = 10;
    /** Subnets {@code 10.250.0.0/24} to {@code 10.250.255.0/24}: private, and not this machine's addresses. */
    private static final int SUBNET_COUNT = 256;
    static final int NAMESPACE_COUNT_MAX = 8;

    private final String suffix;
    private final int subnet;
    private final int count;
    private final Deque<List<String>> undo = new ArrayDeque<>();
    private final Thread hook = new Thread(this::undoAll);
    private boolean closed;

    private NetworkNamespaces(String suffix, int subnet, int count) {
        this.suffix = suffix;
        this.subnet = subnet;
        this.count = count;
    }

    /** Whether this test can run here: root, with {@code ip} and {@code nft} on the path. Null if so, else why not. */
    static String unavailableReason() throws IOException, InterruptedException {
        if (!onPath("ip")) {
            return "'ip' is not installed (Debian package iproute2)";
        }
        if (!onPath("nft")) {
            return "'nft' is not installed (Debian package nftables)";
        }
        Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
        String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        id.waitFor(COMMAND_WAIT_S, TimeUnit.SECONDS);
        return "0".equals(uid) ? null : "network namespaces need root; this test runs as uid " + uid;
    }

    /** Makes the bridge and {@code count} namespaces on a subnet that no address of this machine uses. */
    static NetworkNamespaces create(int count) throws IOException, InterruptedException {
        if (count < 1 || count > NAMESPACE_COUNT_MAX) {
            throw new IllegalArgumentException("1 to " + NAMESPACE_COUNT_MAX + " namespaces, not " + count);
        }
        String used = run(List.of("ip", "-4", "-o", "addr", "show"));
        int subnet = ThreadLocalRandom.current().nextInt(SUBNET_COUNT);
        for (int tries = 0; used.contains("10.250." + subnet + "."); tries++) {
            if (tries == SUBNET_COUNT) {
                throw new IOException("every 10.250.x.0/24 is in use here:\n" + used);
            }
            subnet = (subnet + 1) % SUBNET_COUNT;
        }
        byte[] random = new byte[3];
        ThreadLocalRandom.current().nextBytes(random);
        NetworkNamespaces net = new NetworkNamespaces(HexFormat.of().formatHex(random), subnet, count);
        Runtime.getRuntime().addShutdownHook(net.hook);
        try {
            net.build();
        } catch (IOException | InterruptedException | RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    private void build() throws IOException, InterruptedException {
        String bridge = "ob" + suffix;
        make(List.of("ip", "link", "add", bridge, "type", "bridge"), List.of("ip", "link", "del", bridge));
        run(List.of("ip", "addr", "add", rootAddress() + "/24", "dev", bridge));
        run(List.of("ip", "link", "set", bridge, "up"));
        for (int i = 0; i < count; i++) {
            String ns = namespace(i);
            String host = "oh" + suffix + i;
            String inside = "om" + suffix + i;
            make(List.of("ip", "netns", "add", ns), List.of("ip", "netns", "del", ns));
            make(List.of("ip", "link", "add", host, "type", "veth", "peer", "name", inside, "netns", ns),
                    List.of("ip", "link", "del", host));
            run(List.of("ip", "link", "set", host, "master", bridge));
            run(List.of("ip", "link", "set", host, "up"));
            run(inNamespace(i, "ip", "addr", "add", address(i) + "/24", "dev", inside));
            run(inNamespace(i, "ip", "link", "set", inside, "up"));
            run(inNamespace(i, "ip", "link", "set", "lo", "up"));
        }
    }

    String namespace(int i) {
        return "omni-" + suffix + "-" + i;
    }

    /** The bridge's address: the root namespace as the members reach it. */
    String rootAddress() {
        return "10.250." + subnet + ".1";
    }

    String address(int i) {
        return "10.250." + subnet + "." + (11 + i);
    }

    /** The command line that runs a program inside namespace {@code i} ({@code ip netns exec} execs it). */
    List<String> launcher(int i) {
        return List.of("ip", "netns", "exec", namespace(i));
    }

    /**
     * Drops, inside namespace {@code i}, every packet to and from {@code addresses}, and, when {@code rootPort}
     * is positive, TCP to and from that port of the root address: both ways, as a cut cable would.
     */
    void cut(int i, List<String> addresses, int rootPort) throws IOException, InterruptedException {
        String table = "omni_cut_" + suffix;
        StringBuilder in = new StringBuilder();
        StringBuilder out = new StringBuilder();
        if (!addresses.isEmpty()) {
            in.append("ip saddr { ").append(String.join(", ", addresses)).append(" } drop; ");
            out.append("ip daddr { ").append(String.join(", ", addresses)).append(" } drop; ");
        }
        if (rootPort > 0) {
            in.append("ip saddr ").append(rootAddress()).append(" tcp sport ").append(rootPort).append(" drop; ");
            out.append("ip daddr ").append(rootAddress()).append(" tcp dport ").append(rootPort).append(" drop; ");
        }
        String rules = "table inet " + table + " {\n"
                + " chain in { type filter hook input priority 0; policy accept; " + in + "}\n"
                + " chain out { type filter hook output priority 0; policy accept; " + out + "}\n}\n";
        Path file = Files.createTempFile("omni-cut", ".nft");
        try {
            Files.writeString(file, rules);
            List<String> delete = inNamespace(i, "nft", "delete", "table", "inet", table);
            make(inNamespace(i, "nft", "-f", file.toString()), delete);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Deletes the table {@link #cut} put into namespace {@code i}. */
    void heal(int i) throws IOException, InterruptedException {
        List<String> delete = inNamespace(i, "nft", "delete", "table", "inet", "omni_cut_" + suffix);
        run(delete);
        synchronized (this) {
            undo.removeFirstOccurrence(delete);
        }
    }

    private List<String> inNamespace(int i, String... command) {
        List<String> line = new ArrayList<>(launcher(i));
        line.addAll(List.of(command));
        return line;
    }

    private void make(List<String> command, List<String> undoCommand) throws IOException, InterruptedException {
        run(command);
        synchronized (this) {
            undo.push(undoCommand);
        }
    }

    /** Undoes everything made, newest first; every step is tried, and the first failure is thrown at the end. */
    @Override
    public void close() throws IOException {
        String failures = undoAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down: the hook runs (or ran) undoAll, which is idempotent.
        }
        if (!failures.isEmpty()) {
            throw new IOException("cleaning up the network namespaces: " + failures);
        }
    }

    private synchronized String undoAll() {
        StringBuilder failures = new StringBuilder();
        if (closed) {
            return "";
        }
        closed = true;
        while (!undo.isEmpty()) {
            List<String> command = undo.pop();
            try {
                run(command);
            } catch (IOException e) {
                failures.append(e.getMessage()).append("; ");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.append(String.join(" ", command)).append(": interrupted; ");
            }
        }
        return failures.toString();
    }

    /** What is left of this run in the system: nothing, once closed. For the test to check its own cleanup. */
    String leftovers() throws IOException, InterruptedException {
        StringBuilder left = new StringBuilder();
        for (String line : run(List.of("ip", "-o", "link", "show")).split("\n")) {
            if (line.contains(suffix)) {
                left.append("link: ").append(line.trim()).append('\n');
            }
        }
        for (String line : run(List.of("ip", "netns", "list")).split("\n")) {
            if (line.contains(suffix)) {
                left.append("namespace: ").append(line.trim()).append('\n');
            }
        }
        return left.toString();
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(COMMAND_WAIT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": no exit within " + COMMAND_WAIT_S + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + out.trim());
        }
        return out;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && List.of(path.split(":")).stream()
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)));
    }
}
