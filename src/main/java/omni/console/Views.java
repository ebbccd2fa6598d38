package omni.console;

import java.util.List;
import java.util.Locale;

import omni.ledger.ComponentInfo;

/** What the console's templates (web/templates) render: immutable records, formatted with their units. */
public final class Views {
    private Views() {
    }

    /** The page shell: the CSRF token for its forms, who is signed in, and the first render of every panel. */
    public record Page(String csrfToken, String callerId, String publicKeyHex, Status status, Counters counters,
                       Ring ring, Checkpoints checkpoints, List<String> tips) {
    }

    public record Status(String nodeId, String version, String ledger, ComponentInfo storage, ComponentInfo bus,
                         ComponentInfo cluster, boolean embeddedStore, List<String> alerts) {
    }

    /** One row per result code: rejections in the last second and since the start. */
    public record ResultRow(String result, long lastSecond, long sinceStart) {
    }

    public record MemberTps(String member, long acceptedPerSecond, long rejectedPerSecond) {
    }

    public record Counters(long acceptedPerSecond, long rejectedPerSecond, String groupSize, String latencyP50,
                           String latencyP99, List<MemberTps> members, List<ResultRow> rejections) {
    }

    /** One partition of the ring: its arc as an SVG path, the owner's colour index, whether it is moving. */
    public record Slice(int partition, String path, int colour, String owner, boolean moving) {
    }

    public record MemberRow(String member, int colour, int partitionsOwned, String forwardedTransfers, String leaseAge) {
    }

    public record Ring(int partitionCount, List<Slice> slices, List<MemberRow> members, int movingCount) {
    }

    public record CheckpointRow(long seq, long firstPosition, long lastPosition, long count, String root,
                                String age, String signer) {
    }

    public record Checkpoints(List<CheckpointRow> latest, long committedPosition, long lagTransfers,
                              String lagIntervals, boolean stale, String intervalMs) {
    }

    /** A transfer in the explorer; parents link to their own explorer view. */
    public record Transfer(String id, long position, String sender, String receiver, String amount, long seq,
                           long timestamp, List<String> parents, String memo, String checkpoint) {
    }

    /** An account with one page of its history; {@code next} is the position that reads older ones, or "". */
    public record Account(String account, boolean known, String balance, long seq, long transferCount,
                          List<Transfer> history, String next) {
    }

    static String millis(double ms) {
        if (Double.isNaN(ms)) {
            return "–";
        }
        if (Double.isInfinite(ms)) {
            return "> largest bucket";
        }
        return String.format(Locale.ROOT, ms < 10 ? "%.2f ms" : "%.0f ms", ms);
    }

    static String age(long ms) {
        if (ms < 10_000) {
            return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        if (ms < 3_600_000) {
            return (ms / 1000) + " s";
        }
        return String.format(Locale.ROOT, "%.1f h", ms / 3_600_000.0);
    }
}
