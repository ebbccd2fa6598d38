package omni.gateway;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import omni.bus.JsonText;
import omni.ledger.AccountView;
import omni.ledger.ClusterView;
import omni.ledger.HistoryPage;
import omni.ledger.NodeView;
import omni.ledger.TransferView;
import omni.proof.Checkpoint;
import omni.proof.Transfer;

/**
 * The JSON of every record a {@link omni.ledger.Ledger} read returns, in one place, so the API and the console
 * show the same fields in the same order (docs/ledger.md).
 */
public final class LedgerJson {
    private static final HexFormat HEX = HexFormat.of();
    /** About the size of one transfer with two parents and a short memo. */
    private static final int TRANSFER_JSON_SIZE = 400;
    /** About the size of one checkpoint object. */
    private static final int CHECKPOINT_JSON_SIZE = 460;

    private LedgerJson() {
    }

    /** Every transfer field, {@code id}, {@code position}, and {@code checkpoint} (its seq) once sealed. */
    public static String transfer(TransferView view) {
        StringBuilder json = new StringBuilder(TRANSFER_JSON_SIZE).append('{');
        appendTransfer(json, view.transfer(), view.position());
        if (view.sealed()) {
            json.append(",\"checkpoint\":").append(view.checkpointSeq());
        }
        return json.append('}').toString();
    }

    /** {@code {"id","balance","seq","transactions"}}. */
    public static String account(AccountView account) {
        return "{\"id\":" + account.id() + ",\"balance\":" + account.balance() + ",\"seq\":" + account.seq()
                + ",\"transactions\":" + account.transactionCount() + "}";
    }

    /** {@code {"account","transactions":[...],"next"}}; {@code next} is null on the last page. */
    public static String history(HistoryPage page) {
        StringBuilder json = new StringBuilder(64 + page.transfers().size() * TRANSFER_JSON_SIZE)
                .append("{\"account\":").append(page.account()).append(",\"transactions\":[");
        for (int i = 0; i < page.transfers().size(); i++) {
            TransferView view = page.transfers().get(i);
            json.append(i == 0 ? "{" : ",{");
            appendTransfer(json, view.transfer(), view.position());
            json.append('}');
        }
        json.append("],\"next\":").append(page.hasMore() ? Long.toString(page.next()) : "null");
        return json.append('}').toString();
    }

    /** {@code {"tips":["<id>",...]}}. */
    public static String tips(List<String> tips) {
        StringBuilder json = new StringBuilder(16 + tips.size() * 67).append("{\"tips\":[");
        for (int i = 0; i < tips.size(); i++) {
            json.append(i == 0 ? "\"" : ",\"").append(tips.get(i)).append('"');
        }
        return json.append("]}").toString();
    }

    /** {@code {"checkpoints":[...]}}, each as {@link Checkpoint#toJson()} writes it. */
    public static String checkpoints(List<Checkpoint> checkpoints) {
        StringBuilder json = new StringBuilder(64 + checkpoints.size() * CHECKPOINT_JSON_SIZE)
                .append("{\"checkpoints\":[");
        for (int i = 0; i < checkpoints.size(); i++) {
            json.append(i == 0 ? "" : ",").append(checkpoints.get(i).toJson());
        }
        return json.append("]}").toString();
    }

    /** {@code {"nodeId","version","ledger","publicKey","storage":{...},"bus":{...},"cluster":{...}}}, for Jackson. */
    public static Map<String, Object> node(NodeView node) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("nodeId", node.nodeId());
        json.put("version", node.version());
        json.put("ledger", node.ledger());
        json.put("publicKey", node.publicKey());
        json.put("storage", node.storage().toJson());
        json.put("bus", node.bus().toJson());
        json.put("cluster", node.cluster().toJson());
        return json;
    }

    /** {@code {"name","members":[...],"partitions":[{"id","owner","epoch"}],"ring":[...]}}, for Jackson. */
    public static Map<String, Object> cluster(ClusterView cluster) {
        List<Map<String, Object>> members = new ArrayList<>(cluster.members().size());
        for (ClusterView.Member member : cluster.members()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("id", member.id());
            json.put("address", member.address());
            json.put("state", member.state());
            json.put("partitionsOwned", member.partitionsOwned());
            json.put("leaseAgeMs", member.leaseAgeMs());
            members.add(json);
        }
        List<Map<String, Object>> partitions = new ArrayList<>(cluster.partitions().size());
        for (ClusterView.Partition partition : cluster.partitions()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("id", partition.id());
            json.put("owner", partition.owner());
            json.put("epoch", partition.epoch());
            partitions.add(json);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", cluster.name());
        json.put("members", members);
        json.put("partitions", partitions);
        json.put("ring", cluster.ring());
        return json;
    }

    /** Appends the fields (without braces): {@code id}, every transfer field, {@code position}. */
    private static void appendTransfer(StringBuilder json, Transfer transfer, long position) {
        byte[] parents = transfer.parents();
        int idSize = transfer.id().length;
        json.append("\"id\":\"").append(HEX.formatHex(transfer.id()))
                .append("\",\"sender\":").append(transfer.sender())
                .append(",\"receiver\":").append(transfer.receiver())
                .append(",\"amount\":").append(transfer.amount())
                .append(",\"seq\":").append(transfer.seq())
                .append(",\"timestamp\":").append(transfer.timestamp())
                .append(",\"parents\":[");
        for (int k = 0; k < transfer.parentCount(); k++) {
            json.append(k == 0 ? "\"" : ",\"")
                    .append(HEX.formatHex(parents, k * idSize, (k + 1) * idSize)).append('"');
        }
        json.append("],\"memo\":").append(JsonText.quote(new String(transfer.memo(), StandardCharsets.UTF_8)))
                .append(",\"position\":").append(position);
    }
}
