package omni.bus;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a consumer received, checked against the ledger: commit events' position ranges must cover 1..last exactly
 * once, in order, with the ids the ledger holds; checkpoint seqs must be 1..latest in order.
 */
public final class Coverage {
    private static final Pattern COMMIT = Pattern.compile(
            "\\{\"firstPosition\":(\\d+),\"lastPosition\":(\\d+),\"count\":(\\d+),\"ids\":\\[(.*)]}");
    private static final Pattern SEQ = Pattern.compile("^\\{\"seq\":(\\d+),");

    private final List<String> problems = new ArrayList<>();
    private long nextPosition;
    private long nextSeq;
    private long commitEventCount;

    /** Expects everything from position 1 and checkpoint 1. */
    public Coverage() {
        this(0, 0);
    }

    /** Expects positions after {@code afterPosition} and checkpoints after {@code afterSeq}. */
    public Coverage(long afterPosition, long afterSeq) {
        this.nextPosition = afterPosition + 1;
        this.nextSeq = afterSeq + 1;
    }

    /** One {@code transaction.commit} JSON, in the order received. */
    public void commit(String json, EventSource source) {
        Matcher m = COMMIT.matcher(json);
        if (!m.matches()) {
            problem("not a commit event: " + json.substring(0, Math.min(200, json.length())));
            return;
        }
        long first = Long.parseLong(m.group(1));
        long last = Long.parseLong(m.group(2));
        long count = Long.parseLong(m.group(3));
        String[] ids = m.group(4).split(",");
        commitEventCount++;
        if (first != nextPosition || count != last - first + 1 || ids.length != count) {
            problem("event " + first + ".." + last + " (count " + count + ", " + ids.length + " ids) where "
                    + nextPosition + " was next");
        }
        if (ids.length == count && last <= source.lastPosition()) {
            byte[] ledgerIds = new byte[ids.length * 32];
            source.readIds(first, last, ledgerIds, 0);
            for (int i = 0; i < ids.length; i++) {
                if (!ids[i].equals("\"" + HexFormat.of().formatHex(ledgerIds, i * 32, i * 32 + 32) + "\"")) {
                    problem("id of position " + (first + i) + " differs from the ledger");
                    break;
                }
            }
        }
        nextPosition = last + 1;
    }

    /** One {@code checkpoint.created} JSON, in the order received. */
    public void checkpoint(String json, EventSource source) {
        Matcher m = SEQ.matcher(json);
        if (!m.find()) {
            problem("not a checkpoint: " + json);
            return;
        }
        long seq = Long.parseLong(m.group(1));
        if (seq != nextSeq || !json.equals(source.checkpointJson(seq))) {
            problem("checkpoint " + seq + " where " + nextSeq + " was next");
        }
        nextSeq = seq + 1;
    }

    private void problem(String text) {
        if (problems.size() < 20) {
            problems.add(text);
        }
    }

    public long deliveredPosition() {
        return nextPosition - 1;
    }

    public long deliveredSeq() {
        return nextSeq - 1;
    }

    public long commitEventCount() {
        return commitEventCount;
    }

    public List<String> problems() {
        return problems;
    }
}
