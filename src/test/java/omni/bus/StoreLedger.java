package omni.bus;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import omni.kernel.Result;
import omni.kernel.TransferBatch;
import omni.kernel.TransferIds;
import omni.ledger.EmbeddedStore;
import omni.proof.Checkpoint;

/** Appends transfers from the issuer (random ids: the store does not validate, the kernel does) and seals checkpoints. */
final class StoreLedger {
    private final EmbeddedStore store;
    private final Random random;
    private final TransferBatch batch = new TransferBatch();
    private long issuerSeq;
    private long sealedPosition = -1;

    StoreLedger(EmbeddedStore store, long seed) {
        this.store = store;
        this.random = new Random(seed);
    }

    void append(int count, EventBus bus) throws Exception {
        batch.clear();
        long first = store.lastPosition() + 1;
        byte[] parent = TransferIds.genesisId("omni");
        for (int i = 0; i < count; i++) {
            batch.sender[i] = 0;
            batch.receiver[i] = 1 + random.nextInt(5);
            batch.amount[i] = 1;
            batch.seq[i] = ++issuerSeq;
            batch.timestamp[i] = 1_764_130_000_000L;
            batch.parentCount[i] = 1;
            batch.parentOffset[i] = batch.reserveParents(1);
            System.arraycopy(parent, 0, batch.parents, batch.parentOffset[i], parent.length);
            batch.memoOffset[i] = batch.reserveMemo(0);
            byte[] id = new byte[TransferBatch.ID_SIZE];
            random.nextBytes(id);
            System.arraycopy(id, 0, batch.id, i * TransferBatch.ID_SIZE, id.length);
            batch.result[i] = Result.ACCEPTED.code();
            batch.position[i] = first + i;
        }
        batch.count = count;
        store.append(new TransferBatch[] {batch}, 1);
        if (bus != null) {
            bus.publishCommit(first, first + count - 1, batch.id, 0);
        }
    }

    void checkpoint(EventBus bus) throws Exception {
        long seq = store.latestCheckpoint() == null ? 1 : store.latestCheckpoint().seq() + 1;
        long firstPosition = sealedPosition + 1;
        long last = store.lastPosition();
        byte[] prev = new byte[32];
        byte[] root = Arrays.copyOf(("root " + seq).getBytes(StandardCharsets.US_ASCII), 32);
        byte[] hash = Checkpoint.computeHash(seq, prev, firstPosition, last, last - firstPosition + 1, root, 1L);
        Checkpoint checkpoint = new Checkpoint(seq, prev, firstPosition, last, last - firstPosition + 1, root, 1L, hash,
                new byte[64]);
        store.saveCheckpoint(checkpoint);
        sealedPosition = last;
        if (bus != null) {
            bus.publishCheckpoint(seq, checkpoint.toJson());
        }
    }
}
