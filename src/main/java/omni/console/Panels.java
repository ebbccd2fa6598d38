package omni.console;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;

import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.sse.SseSink;
import omni.cluster.HazelcastPartitioning;
import omni.gateway.ComponentInfo;
import omni.gateway.Gateway;
import omni.kernel.AccountState;
import omni.kernel.Hex;
import omni.kernel.Kernel;
import omni.kernel.TransferBatch;
import omni.proof.Checkpoint;
import omni.proof.StorageException;

/**
 * Builds the console's panels from the node's live state, and pushes them over an event stream once per sampler
 * tick. A panel whose HTML did not change since the last push on that stream is not sent again.
 */
final class Panels {
    /** How long a stream waits for a tick before it looks again whether its session still exists. */
    private static final long TICK_WAIT_MS = 2 * TpsSampler.INTERVAL_MS;
    private static final double RING_OUTER = 100;
    private static final double RING_INNER = 70;
    /** Distinct member colours in the stylesheet (classes m0 .. m7); a larger cluster reuses them. */
    static final int COLOUR_COUNT = 8;

    private final Gateway gateway;
    private final ConsoleSource source;
    private final TpsSampler sampler;

    Panels(Gateway gateway, ConsoleSource source, TpsSampler sampler) {
        this.gateway = gateway;
        this.source = source;
        this.sampler = sampler;
    }

    private String nodeId() {
        return String.valueOf(gateway.node().get("nodeId"));
    }

    Views.Status status() {
        Map<String, Object> node = gateway.node();
        ComponentInfo storage = gateway.component("storage");
        ComponentInfo bus = gateway.component("bus");
        ComponentInfo cluster = gateway.component("cluster");
        List<String> alerts = new ArrayList<>();
        if (!source.engine().isReady()) {
            alerts.add("storage not ready: " + source.engine().notReadyReason());
        }
        Object connected = bus.details().get("connected");
        Object backlog = bus.details().get("backlog");
        if (Boolean.FALSE.equals(connected)) {
            alerts.add("bus disconnected, backlog " + backlog + " events");
        }
        Views.Checkpoints cp = checkpoints();
        if (cp.stale()) {
            alerts.add("checkpoint stale: " + cp.lagTransfers() + " transfers unsealed for " + cp.lagIntervals()
                    + " intervals");
        }
        Views.Ring ring = ring();
        if (ring.movingCount() > 0) {
            alerts.add(ring.movingCount() + " partitions moving");
        }
        return new Views.Status(nodeId(), String.valueOf(node.get("version")), String.valueOf(node.get("ledger")),
                storage, bus, cluster, !storage.production(), alerts);
    }

    Views.Counters counters() {
        TpsSampler.Sample s = sampler.latest();
        Map<String, Long> totals = new TreeMap<>(sampler.rejectedTotals());
        List<Views.ResultRow> rows = new ArrayList<>();
        totals.forEach((result, total) -> rows.add(new Views.ResultRow(result,
                s == null ? 0 : s.rejectedByResult().getOrDefault(result, 0L), total)));
        long accepted = s == null ? 0 : s.acceptedPerSecond();
        long rejected = s == null ? 0 : s.rejectedPerSecond();
        return new Views.Counters(accepted, rejected,
                s == null || Double.isNaN(s.groupSizeMean()) ? "–"
                        : String.format(Locale.ROOT, "%.0f transfers", s.groupSizeMean()),
                Views.millis(s == null ? Double.NaN : s.commitLatencyP50Ms()),
                Views.millis(s == null ? Double.NaN : s.commitLatencyP99Ms()),
                List.of(new Views.MemberTps(nodeId(), accepted, rejected)), rows);
    }

    /**
     * The ring of partitions. This node runs as a single member, so it owns every partition and nothing moves;
     * the view already carries owners, forwards and lease ages per member for a cluster to fill in.
     */
    Views.Ring ring() {
        int n = HazelcastPartitioning.PARTITION_COUNT;
        String owner = nodeId();
        List<Views.Slice> slices = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            slices.add(new Views.Slice(p, arc(p, n), 0, owner, false));
        }
        return new Views.Ring(n, slices, List.of(new Views.MemberRow(owner, 0, n, 0, "– (single member, no lease)")), 0);
    }

    private static String arc(int p, int n) {
        double a0 = 2 * Math.PI * p / n - Math.PI / 2;
        double a1 = 2 * Math.PI * (p + 1) / n - Math.PI / 2;
        return String.format(Locale.ROOT, "M%.2f %.2fA%.0f %.0f 0 0 1 %.2f %.2fL%.2f %.2fA%.0f %.0f 0 0 0 %.2f %.2fZ",
                RING_OUTER * Math.cos(a0), RING_OUTER * Math.sin(a0), RING_OUTER, RING_OUTER,
                RING_OUTER * Math.cos(a1), RING_OUTER * Math.sin(a1),
                RING_INNER * Math.cos(a1), RING_INNER * Math.sin(a1), RING_INNER, RING_INNER,
                RING_INNER * Math.cos(a0), RING_INNER * Math.sin(a0));
    }

    List<Checkpoint> latestCheckpoints() {
        try {
            Checkpoint latest = source.checkpoints().latestCheckpoint();
            if (latest == null) {
                return List.of();
            }
            List<Checkpoint> list = new ArrayList<>(source.checkpoints().checkpoints(
                    Math.max(1, latest.seq() - ConsoleService.CHECKPOINT_ROWS + 1), latest.seq()));
            java.util.Collections.reverse(list);
            return list;
        } catch (StorageException e) {
            return List.of();
        }
    }

    Views.Checkpoints checkpoints() {
        List<Checkpoint> list = latestCheckpoints();
        long now = System.currentTimeMillis();
        String signer = String.valueOf(gateway.node().get("publicKey"));
        String signerShort = signer.length() > 16 ? signer.substring(0, 16) + "…" : signer;
        List<Views.CheckpointRow> rows = new ArrayList<>();
        for (Checkpoint c : list) {
            rows.add(new Views.CheckpointRow(c.seq(), c.firstPosition(), c.lastPosition(), c.count(),
                    Hex.encode(c.root(), 0, c.root().length), Views.age(Math.max(0, now - c.timestamp())),
                    signerShort));
        }
        long committed = source.engine().committedPosition();
        long sealed = list.isEmpty() ? -1 : list.get(0).lastPosition();
        long lag = Math.max(0, committed - sealed);
        double intervals = list.isEmpty() || lag == 0 ? 0
                : (double) (now - list.get(0).timestamp()) / source.checkpointIntervalMs();
        return new Views.Checkpoints(rows, committed, lag, String.format(Locale.ROOT, "%.1f", intervals),
                lag > 0 && intervals > ConsoleService.STALE_INTERVALS, Long.toString(source.checkpointIntervalMs()));
    }

    List<String> tips() {
        Kernel kernel = source.engine().kernel();
        if (kernel == null) {
            return List.of();
        }
        byte[] ids = new byte[ConsoleService.TIPS_SHOWN * TransferBatch.ID_SIZE];
        int count = kernel.tips(ConsoleService.TIPS_SHOWN, ids);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(Hex.encode(ids, i * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE));
        }
        return out;
    }

    Views.AccountView account(long account) {
        Kernel kernel = source.engine().kernel();
        AccountState state = new AccountState();
        boolean known = kernel != null && kernel.account(account, state);
        return new Views.AccountView(account, known ? Long.toUnsignedString(state.balance) : "0",
                known ? state.seq : 0, known);
    }

    /** Pushes every panel after each sampler tick until the session ends or the client goes away. */
    void stream(SseSink sink, BooleanSupplier sessionLive, BiFunction<String, Object, String> render)
            throws InterruptedException {
        Map<String, String> sent = new TreeMap<>();
        long seen = 0;
        sink.emit(SseEvent.builder().name("tps").data(tpsJson()).build());
        while (sessionLive.getAsBoolean()) {
            send(sink, sent, "status", render.apply("status.jte", status()));
            send(sink, sent, "counters", render.apply("counters.jte", counters()));
            send(sink, sent, "ring", render.apply("ring.jte", ring()));
            send(sink, sent, "checkpoints", render.apply("checkpoints.jte", checkpoints()));
            long now = sampler.awaitAfter(seen, TICK_WAIT_MS);
            if (now > seen && seen > 0) {
                sink.emit(SseEvent.builder().name("sample").data(sampleJson(sampler.latest())).build());
            }
            seen = now;
        }
        sink.emit(SseEvent.builder().name("signedout").data("signed out").build());
    }

    private static void send(SseSink sink, Map<String, String> sent, String name, String html) {
        // Event data is line-based: fold the template's newlines, which HTML treats as spaces anyway.
        String oneLine = html.replace('\n', ' ');
        if (!oneLine.equals(sent.get(name))) {
            sink.emit(SseEvent.builder().name(name).data(oneLine).build());
            sent.put(name, oneLine);
        }
    }

    String sampleJson(TpsSampler.Sample s) {
        return String.format(Locale.ROOT,
                "{\"t\":%d,\"member\":\"%s\",\"accepted\":%d,\"rejected\":%d,\"groupSize\":%s,\"p50Ms\":%s,\"p99Ms\":%s}",
                s.timeMs(), jsonEscape(nodeId()), s.acceptedPerSecond(), s.rejectedPerSecond(), num(s.groupSizeMean()),
                num(s.commitLatencyP50Ms()), num(s.commitLatencyP99Ms()));
    }

    String tpsJson() {
        StringBuilder sb = new StringBuilder("{\"intervalMs\":").append(TpsSampler.INTERVAL_MS).append(",\"samples\":[");
        List<TpsSampler.Sample> samples = sampler.samples();
        for (int i = 0; i < samples.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(sampleJson(samples.get(i)));
        }
        return sb.append("]}").toString();
    }

    String tpsCsv() {
        StringBuilder sb = new StringBuilder(
                "time_ms,member,accepted_per_s,rejected_per_s,group_size_mean_transfers,commit_p50_ms,commit_p99_ms\n");
        for (TpsSampler.Sample s : sampler.samples()) {
            sb.append(s.timeMs()).append(',').append(nodeId()).append(',').append(s.acceptedPerSecond()).append(',')
                    .append(s.rejectedPerSecond()).append(',').append(num(s.groupSizeMean())).append(',')
                    .append(num(s.commitLatencyP50Ms())).append(',').append(num(s.commitLatencyP99Ms())).append('\n');
        }
        return sb.toString();
    }

    String checkpointsJson() {
        StringBuilder sb = new StringBuilder("{\"checkpoints\":[");
        List<Checkpoint> list = latestCheckpoints();
        for (int i = 0; i < list.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(list.get(i).toJson());
        }
        return sb.append("]}").toString();
    }

    String checkpointsCsv() {
        StringBuilder sb = new StringBuilder("seq,first_position,last_position,count,root,timestamp_ms,hash\n");
        for (Checkpoint c : latestCheckpoints()) {
            sb.append(c.seq()).append(',').append(c.firstPosition()).append(',').append(c.lastPosition()).append(',')
                    .append(c.count()).append(',').append(Hex.encode(c.root(), 0, 32)).append(',')
                    .append(c.timestamp()).append(',').append(Hex.encode(c.hash(), 0, 32)).append('\n');
        }
        return sb.toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "null";
    }

    private static String jsonEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
