package omni.gateway;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import omni.cli.ServeCommand;
import omni.cli.Shutdown;
import omni.config.Setting;
import omni.config.Settings;
import omni.kernel.Kernel;
import omni.kernel.TransferIds;

/**
 * A fresh ledger as {@code omni serve} composes it: the issuer exists from genesis (a client reads its seq
 * before the first mint), an account never used answers 404, and the node alone is a cluster of one member
 * owning every partition.
 */
class FreshLedgerApiTest {
    private static final String ADMIN = "f".repeat(64);
    private static Shutdown shutdown;
    private static ServeCommand.Node node;
    private static URI base;

    @BeforeAll
    static void start() throws Exception {
        shutdown = new Shutdown();
        Settings settings = Settings.of(Map.of(Setting.HTTP_HOST, "127.0.0.1", Setting.HTTP_PORT, "0",
                Setting.DATA_DIR, Files.createTempDirectory("omni-fresh").toString(), Setting.ADMIN_TOKEN, ADMIN,
                Setting.CLUSTER_NAME, "fresh"));
        node = ServeCommand.start(settings, shutdown);
        assertTrue(node.awaitStarted(60_000), "node not started: " + node.engine().notReadyReason());
        base = URI.create("http://127.0.0.1:" + node.gateway().port());
    }

    @AfterAll
    static void stop() {
        shutdown.run();
    }

    @Test
    void theIssuerExistsFromGenesisAndItsSeqStartsTheFirstMint() throws Exception {
        HttpResponse<String> issuer = Http.get(base, "/api/v1/accounts/0", ADMIN);
        assertEquals(200, issuer.statusCode(), issuer.body());
        assertEquals("{\"id\":0,\"balance\":0,\"seq\":0,\"transactions\":0}", issuer.body());
        HttpResponse<String> history = Http.get(base, "/api/v1/accounts/0/transactions", ADMIN);
        assertEquals(200, history.statusCode(), history.body());
        assertEquals("{\"account\":0,\"transactions\":[],\"next\":null}", history.body());

        long seq = Http.json(issuer).get("seq").asLong() + 1;
        String genesis = java.util.HexFormat.of().formatHex(TransferIds.genesisId("omni"));
        String mint = "{\"sender\":0,\"receiver\":5,\"amount\":300,\"seq\":" + seq + ",\"timestamp\":"
                + System.currentTimeMillis() + ",\"parents\":[\"" + genesis + "\"]}";
        HttpResponse<String> minted = Http.call(base, "POST", "/api/v1/transactions", ADMIN, "application/json",
                mint.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(minted.body(), containsString("\"result\":\"accepted\""));
        assertEquals("{\"id\":0,\"balance\":-300,\"seq\":1,\"transactions\":1}",
                Http.get(base, "/api/v1/accounts/0", ADMIN).body());
    }

    @Test
    void anAccountNeverUsedIs404WithAProblemThatSaysSo() throws Exception {
        for (String path : new String[] {"/api/v1/accounts/424242", "/api/v1/accounts/424242/transactions"}) {
            HttpResponse<String> answer = Http.get(base, path, ADMIN);
            assertEquals(404, answer.statusCode(), path + ": " + answer.body());
            assertEquals("application/problem+json", answer.headers().firstValue("Content-Type").orElse(""));
            assertThat(Http.json(answer).get("detail").asText(), containsString("account 424242 has no transfers"));
        }
    }

    @Test
    void aNodeAloneIsOneMemberOwningEveryPartition() throws Exception {
        HttpResponse<String> answer = Http.get(base, "/api/v1/cluster", ADMIN);
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode cluster = Http.json(answer);
        String nodeId = Http.json(Http.get(base, "/api/v1/node", ADMIN)).get("nodeId").asText();
        assertEquals("fresh", cluster.get("name").asText());
        assertEquals(1, cluster.get("members").size());
        JsonNode member = cluster.get("members").get(0);
        assertEquals(nodeId, member.get("id").asText());
        assertThat(member.get("address").asText(), containsString(":" + node.gateway().port()));
        assertEquals("active", member.get("state").asText());
        assertEquals(Kernel.PARTITION_COUNT, member.get("partitionsOwned").asInt());
        assertEquals(0, member.get("leaseAgeMs").asLong());
        JsonNode partitions = cluster.get("partitions");
        assertEquals(Kernel.PARTITION_COUNT, partitions.size());
        for (int i = 0; i < partitions.size(); i++) {
            assertEquals(i, partitions.get(i).get("id").asInt());
            assertEquals(nodeId, partitions.get(i).get("owner").asText());
            assertEquals(0, partitions.get(i).get("epoch").asLong());
        }
        JsonNode ring = cluster.get("ring");
        assertEquals(Kernel.PARTITION_COUNT, ring.size());
        for (int i = 0; i < ring.size(); i++) {
            assertEquals(i, ring.get(i).asInt(), "ring position " + i);
        }
        assertEquals(401, Http.get(base, "/api/v1/cluster", null).statusCode());
    }
}
