package omni.cluster;

import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;

/** A transfer of a test request (no memo): its JSON and its id as docs/transfers.md defines it. */
record Item(long sender, long receiver, long amount, long seq, long timestamp, List<String> parents) {
    static final String GENESIS = HexFormat.of().formatHex(TransferIds.genesisId("omni"));

    static Item of(long sender, long receiver, long amount, long seq, long timestamp, String... parents) {
        return new Item(sender, receiver, amount, seq, timestamp, List.of(parents));
    }

    String json() {
        String parentList = parents.stream().map(p -> "\"" + p + "\"").collect(Collectors.joining(","));
        return "{\"sender\":" + sender + ",\"receiver\":" + receiver + ",\"amount\":" + amount + ",\"seq\":" + seq
                + ",\"timestamp\":" + timestamp + ",\"parents\":[" + parentList + "]}";
    }

    String id() {
        HexFormat hex = HexFormat.of();
        byte[] parentBytes = new byte[parents.size() * TransferBatch.ID_SIZE];
        for (int k = 0; k < parents.size(); k++) {
            System.arraycopy(hex.parseHex(parents.get(k)), 0, parentBytes, k * TransferBatch.ID_SIZE,
                    TransferBatch.ID_SIZE);
        }
        byte[] id = new byte[TransferBatch.ID_SIZE];
        new TransferIds().computeId(sender, receiver, amount, seq, timestamp, parentBytes, 0, parents.size(),
                new byte[0], 0, 0, id, 0);
        return hex.formatHex(id);
    }
}
