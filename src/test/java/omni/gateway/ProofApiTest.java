package omni.gateway;

import io.helidon.http.Status;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.testing.junit5.DirectClient;
import io.helidon.webserver.testing.junit5.RoutingTest;
import io.helidon.webserver.testing.junit5.SetUpRoute;
import omni.cluster.HazelcastPartitioning;
import omni.ledger.EmbeddedStore;
import omni.ledger.Engine;
import omni.ledger.Ledger;
import omni.proof.Checkpoint;
import omni.proof.Checkpointer;
import omni.proof.LevelCache;
import omni.proof.MemoryCheckpointStore;
import omni.proof.NodeKey;
import omni.proof.Proof;
import omni.proof.StorageException;
import omni.proof.TestTransfers;
import omni.proof.Transfer;
import omni.proof.TransferLookup;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@RoutingTest
class ProofApiTest {
    private static MemoryCheckpointStore store;
    private static NodeKey key;
    private static Transfer unsealed;

    private final DirectClient client;

    ProofApiTest(DirectClient client) {
        this.client = client;
    }

    @SetUpRoute
    static void routing(HttpRouting.Builder routing) throws Exception {
        store = new MemoryCheckpointStore();
        Path dir = Files.createTempDirectory("omni-proof-api");
        key = NodeKey.loadOrCreate(dir);
        LevelCache cache = new LevelCache(store, LevelCache.BYTES_MAX_DEFAULT);
        Checkpointer checkpointer = new Checkpointer(store, key, cache, 1000, c -> { });
        Random random = new Random(31);
        checkpointer.sealOnce();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 10; j++) {
                store.append(TestTransfers.random(random));
            }
            checkpointer.sealOnce();
        }
        unsealed = TestTransfers.random(random);
        store.append(unsealed);
        TransferLookup lookup = new TransferLookup() {
            @Override
            public long positionOf(byte[] id) {
                for (long p = 0; p <= store.lastPosition(); p++) {
                    if (Arrays.equals(store.transferAt(p).id(), id)) {
                        return p;
                    }
                }
                return -1;
            }

            @Override
            public Transfer transferAt(long position) throws StorageException {
                return store.transferAt(position);
            }
        };
        // Checkpoints and proofs come from the memory store; the engine (not started) answers nothing here.
        EmbeddedStore unused = new EmbeddedStore(dir);
        Ledger ledger = TestLedgers.of(new Engine(unused, "omni", HazelcastPartitioning::partitionOf), unused, store,
                lookup, key);
        routing.register("/api/v1", new CheckpointService(ledger), new ProofService(ledger))
                .error(Throwable.class, new ErrorMapper(List.of(), Gateway.PAYLOAD_SIZE_MAX));
    }

    private ClientResponseTyped<String> get(String path) {
        return client.get("/api/v1" + path).request(String.class);
    }

    private ClientResponseTyped<String> range(String from, String to) {
        var request = client.get("/api/v1/checkpoints");
        if (from != null) {
            request.queryParam("from", from);
        }
        if (to != null) {
            request.queryParam("to", to);
        }
        return request.request(String.class);
    }

    @Test
    void checkpointsLatestBySeqAndByRange() {
        ClientResponseTyped<String> latest = get("/checkpoints/latest");
        assertEquals(Status.OK_200, latest.status());
        assertEquals(4, Checkpoint.fromJson(latest.entity()).seq());
        assertEquals(store.checkpoint(2), Checkpoint.fromJson(get("/checkpoints/2").entity()));
        assertEquals(Status.NOT_FOUND_404, get("/checkpoints/9").status());
        assertEquals(Status.BAD_REQUEST_400, get("/checkpoints/x").status());
        String range = range("2", "3").entity();
        assertEquals("{\"checkpoints\":[" + store.checkpoint(2).toJson() + "," + store.checkpoint(3).toJson() + "]}", range);
        assertTrue(range(null, null).entity().startsWith("{\"checkpoints\":[" + store.checkpoint(1).toJson()));
        assertEquals("{\"checkpoints\":[" + store.checkpoint(4).toJson() + "]}", range("4", null).entity());
        assertEquals("{\"checkpoints\":[]}", range("7", "8").entity());
        assertEquals(Status.BAD_REQUEST_400, range("3", "1").status());
        assertEquals(Status.BAD_REQUEST_400, range("1", String.valueOf(CheckpointService.RANGE_SIZE_MAX + 1)).status());
    }

    @Test
    void proofsOfSealedUnsealedAndUnknownIds() {
        Transfer sealed = store.transferAt(15);
        ClientResponseTyped<String> proof = get("/proofs/" + HexFormat.of().formatHex(sealed.id()));
        assertEquals(Status.OK_200, proof.status());
        Proof parsed = Proof.fromJson(proof.entity());
        assertEquals(sealed, parsed.transaction());
        assertEquals(15, parsed.checkpoint().firstPosition() + parsed.leafIndex());
        ClientResponseTyped<String> notSealed = get("/proofs/" + HexFormat.of().formatHex(unsealed.id()));
        assertEquals(Status.CONFLICT_409, notSealed.status());
        assertTrue(notSealed.entity().contains("\"title\":\"Not sealed yet\""), notSealed.entity());
        assertEquals("application/problem+json", notSealed.headers().contentType().orElseThrow().text());
        assertEquals(Status.NOT_FOUND_404, get("/proofs/" + "ab".repeat(32)).status());
        assertEquals(Status.BAD_REQUEST_400, get("/proofs/xyz").status());

        ClientResponseTyped<String> valid = client.post("/api/v1/proofs/verify").submit(proof.entity(), String.class);
        assertEquals(Status.OK_200, valid.status());
        assertTrue(valid.entity().startsWith("{\"valid\":true,\"reason\":\"valid\""), valid.entity());
        String tampered = proof.entity().replace("\"leafIndex\":" + parsed.leafIndex(), "\"leafIndex\":" + (parsed.leafIndex() + 100));
        ClientResponseTyped<String> invalid = client.post("/api/v1/proofs/verify").submit(tampered, String.class);
        assertTrue(invalid.entity().startsWith("{\"valid\":false,\"reason\":\"leaf_index_out_of_range\""), invalid.entity());
        ClientResponseTyped<String> huge = client.post("/api/v1/proofs/verify")
                .submit(" ".repeat(ProofService.PROOF_BODY_SIZE_MAX + 1), String.class);
        assertEquals(Status.REQUEST_ENTITY_TOO_LARGE_413, huge.status());
    }
}
