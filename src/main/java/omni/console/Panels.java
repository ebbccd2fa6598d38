package omni.console;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;

import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.sse.SseSink;
import omni.ledger.AccountView;
import omni.ledger.ClusterView;
import omni.ledger.HistoryPage;
import omni.ledger.LedgerUnavailableException;
import omni.ledger.NodeView;
import omni.ledger.TransferView;
import omni.proof.Checkpoint;

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

    private final ConsoleSource source;
    private final TpsSampler sampler;

    Panels(ConsoleSource source, TpsSampler sampler) {
        this.source = source;
        this.sampler = sampler;
    }

    private String nodeId() {
        return source.ledger().node().nodeId();
    }

    Views.Status status() {
        NodeView node = source.ledger().node();
        List<String> alerts = new ArrayList<>();
        String notReady = source.ledger().notReadyReason();
        if (notReady != null) {
            alerts.add("storage not ready: " + notReady);
        }
        Object connected = node.bus().details().get("connected");
        if (Boolean.FALSE.equals(connected)) {
            alerts.add("bus disconnected, backlog " + node.bus().details().get("backlog") + " events");
        }
        Views.Checkpoints cp = checkpoints();
        if (cp.stale()) {
            alerts.add("checkpoint stale: " + cp.lagTransfers() + " transfers unsealed for " + cp.lagIntervals()
                    + " intervals");
        }
        ClusterView cluster = source.ledger().cluster();
        for (ClusterView.Member m : cluster.members()) {
            if (!ClusterView.MEMBER_ACTIVE.equals(m.state())) {
                alerts.add("member " + m.id() + " is " + m.state());
            }
        }
        Views.Ring ring = ring(cluster);
        if (ring.movingCount() > 0) {
            alerts.add(ring.movingCount() + " partitions moving (owner not an active member)");
        }
        return new Views.Status(node.nodeId(), node.version(), node.ledger(), node.storage(), node.bus(),
                node.cluster(), !node.storage().production(), alerts);
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

    Views.Ring ring() {
        return ring(source.ledger().cluster());
    }

    /**
     * The ring in the cluster's order, each partition coloured by its owner. A partition whose owner is not an
     * active member is drawn as moving: it is being handed over.
     */
    static Views.Ring ring(ClusterView cluster) {
        Map<String, Integer> colourOf = new TreeMap<>();
        Map<String, Boolean> active = new TreeMap<>();
        for (ClusterView.Member m : cluster.members()) {
            colourOf.put(m.id(), colourOf.size() % COLOUR_COUNT);
            active.put(m.id(), ClusterView.MEMBER_ACTIVE.equals(m.state()));
        }
        Map<Integer, ClusterView.Partition> byId = new TreeMap<>();
        cluster.partitions().forEach(p -> byId.put(p.id(), p));
        int n = cluster.ring().size();
        List<Views.Slice> slices = new ArrayList<>(n);
        int moving = 0;
        for (int i = 0; i < n; i++) {
            ClusterView.Partition p = byId.get(cluster.ring().get(i));
            // No owner: released by one member and not claimed by the next yet.
            boolean isMoving = p.owner() == null || !active.getOrDefault(p.owner(), false);
            moving += isMoving ? 1 : 0;
            slices.add(new Views.Slice(p.id(), arc(i, n), p.owner() == null ? 0 : colourOf.getOrDefault(p.owner(), 0),
                    p.owner() == null ? "none" : p.owner(), isMoving));
        }
        List<Views.MemberRow> rows = new ArrayList<>();
        for (ClusterView.Member m : cluster.members()) {
            rows.add(new Views.MemberRow(m.id(), colourOf.get(m.id()), m.partitionsOwned(),
                    cluster.members().size() == 1 ? "0 (single member)" : "not measured yet",
                    cluster.members().size() == 1 && m.leaseAgeMs() == 0 ? "no lease (single member)"
                            : Views.age(m.leaseAgeMs())));
        }
        return new Views.Ring(n, slices, rows, moving);
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
            Checkpoint latest = source.ledger().latestCheckpoint();
            if (latest == null) {
                return List.of();
            }
            List<Checkpoint> list = new ArrayList<>(source.ledger().checkpoints(
                    Math.max(1, latest.seq() - ConsoleService.CHECKPOINT_ROWS + 1), latest.seq()));
            Collections.reverse(list);
            return list;
        } catch (LedgerUnavailableException e) {
            return List.of();
        }
    }

    Views.Checkpoints checkpoints() {
        List<Checkpoint> list = latestCheckpoints();
        long now = System.currentTimeMillis();
        String signer = source.ledger().node().publicKey();
        String signerShort = signer.length() > 16 ? signer.substring(0, 16) + "…" : signer;
        List<Views.CheckpointRow> rows = new ArrayList<>();
        for (Checkpoint c : list) {
            rows.add(new Views.CheckpointRow(c.seq(), c.firstPosition(), c.lastPosition(), c.count(),
                    HexFormat.of().formatHex(c.root(), 0, 0 + c.root().length), Views.age(Math.max(0, now - c.timestamp())),
                    signerShort));
        }
        long committed = source.committedPosition().getAsLong();
        long sealed = list.isEmpty() ? -1 : list.get(0).lastPosition();
        long lag = Math.max(0, committed - sealed);
        double intervals = list.isEmpty() || lag == 0 ? 0
                : (double) (now - list.get(0).timestamp()) / source.checkpointIntervalMs();
        return new Views.Checkpoints(rows, committed, lag, String.format(Locale.ROOT, "%.1f", intervals),
                lag > 0 && intervals > ConsoleService.STALE_INTERVALS, Long.toString(source.checkpointIntervalMs()));
    }

    List<String> tips() {
        try {
            return source.ledger().tips(ConsoleService.TIPS_SHOWN);
        } catch (LedgerUnavailableException e) {
            return List.of();
        }
    }

    /** The explorer's transfer: fields, parents, position and the covering checkpoint; null when unknown. */
    Views.Transfer transfer(byte[] id) {
        TransferView view = source.ledger().transfer(id);
        return view == null ? null : transferRow(view);
    }

    private static Views.Transfer transferRow(TransferView view) {
        var t = view.transfer();
        List<String> parents = new ArrayList<>();
        byte[] p = t.parents();
        for (int i = 0; i < t.parentCount(); i++) {
            parents.add(HexFormat.of().formatHex(p, i * 32, i * 32 + 32));
        }
        return new Views.Transfer(HexFormat.of().formatHex(t.id()), view.position(), Long.toUnsignedString(t.sender()),
                Long.toUnsignedString(t.receiver()), Long.toUnsignedString(t.amount()), t.seq(), t.timestamp(),
                parents, new String(t.memo(), StandardCharsets.UTF_8),
                view.sealed() ? "seq " + view.checkpointSeq() : "not sealed yet");
    }

    /** An account and one page of its history, newest first; {@code before} is a position or Long.MAX_VALUE. */
    Views.Account account(long id, long before) {
        AccountView a = source.ledger().account(id);
        if (a == null) {
            return new Views.Account(Long.toUnsignedString(id), false, "0", 0, 0, List.of(), "");
        }
        HistoryPage page = source.ledger().history(id, ConsoleService.HISTORY_PAGE_SIZE, before);
        List<Views.Transfer> rows = new ArrayList<>();
        if (page != null) {
            page.transfers().forEach(v -> rows.add(transferRow(v)));
        }
        return new Views.Account(Long.toUnsignedString(id), true, Long.toUnsignedString(a.balance()), a.seq(),
                a.transactionCount(), rows, page != null && page.hasMore() ? Long.toString(page.next()) : "");
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
            if (now < 0) {
                return;
            }
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
                    .append(c.count()).append(',').append(HexFormat.of().formatHex(c.root(), 0, 0 + 32)).append(',')
                    .append(c.timestamp()).append(',').append(HexFormat.of().formatHex(c.hash(), 0, 0 + 32)).append('\n');
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
