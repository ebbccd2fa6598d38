package omni.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import omni.config.Pem;
import omni.config.Setting;
import omni.config.TestCertificates;
import omni.ledger.TestDatabases;
import omni.proof.NodeKey;
import org.junit.jupiter.api.Test;

/**
 * Two members that serve HTTPS, each with its own certificate from one CA: a request sent to one member holding an
 * item of the other's partitions is forwarded over TLS and committed there, and plain HTTP reaches neither.
 */
class ClusterTlsTest {
    private static final String TOKEN = "cluster-tls-admin-token-0123456789";
    private static final String SECRET = "cluster-tls-secret-0123456789";
    private static final long WAIT_MS = 90_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void membersServingHttpsForwardToEachOtherOverTls() throws Exception {
        String database = TestDatabases.create("cluster_tls");
        Path root = Files.createTempDirectory("omni-cluster-tls");
        try (TestCertificates pki = TestCertificates.create()) {
            HttpClient https = HttpClient.newBuilder().sslContext(Pem.trustContext("ca", pki.ca()))
                    .connectTimeout(Duration.ofSeconds(2)).build();
            int[] httpPorts = {freePort(), freePort()};
            int[] clusterPorts = {freePort(), freePort()};
            String members = "127.0.0.1:" + clusterPorts[0] + ",127.0.0.1:" + clusterPorts[1];
            MemberProcess first = null;
            MemberProcess second = null;
            try {
                first = start(root.resolve("m1"), database, pki.server("RSA"), httpPorts[0], clusterPorts[0], members);
                String firstUrl = "https://127.0.0.1:" + httpPorts[0];
                awaitReady(https, firstUrl, first);
                Files.createDirectories(root.resolve("m2"));
                Files.copy(root.resolve("m1").resolve(NodeKey.FILE_NAME), root.resolve("m2").resolve(NodeKey.FILE_NAME));
                second = start(root.resolve("m2"), database, pki.server("EC"), httpPorts[1], clusterPorts[1], members);
                String secondUrl = "https://127.0.0.1:" + httpPorts[1];
                awaitReady(https, secondUrl, second);

                // Settled: both members hold partitions, and every partition is held.
                Map<Integer, String> owners = awaitTwoOwners(https, firstUrl);
                String secondId = JSON.readTree(get(https, secondUrl + "/api/v1/node")).path("cluster")
                        .path("memberId").asText();
                long remote = accountOwnedBy(owners, secondId);
                assertTrue(get(https, firstUrl + "/api/v1/cluster").contains("https://127.0.0.1:" + httpPorts[1]),
                        "the second member advertises an https URL");

                // A mint to an account the second member holds, sent to the first member, then a payment from it.
                String genesis = JSON.readTree(get(https, firstUrl + "/api/v1/tips?limit=1")).path("tips").get(0)
                        .asText();
                long now = System.currentTimeMillis();
                JsonNode mint = JSON.readTree(post(https, firstUrl, "[" + transfer(0, remote, 500, 1, now, genesis)
                        + "]"));
                assertEquals(1, mint.path("accepted").asInt(), mint.toString());
                String mintId = mint.path("results").get(0).path("id").asText();
                JsonNode pay = JSON.readTree(post(https, firstUrl, "[" + transfer(remote, 7, 200, 1, now, mintId)
                        + "]"));
                assertEquals("accepted", pay.path("results").get(0).path("result").asText(), pay.toString());

                double forwarded = metric(get(https, firstUrl + "/metrics"), "omni_forwarded_transfers_total");
                assertTrue(forwarded >= 1, "the payment of the second member's account was forwarded: " + forwarded);
                JsonNode account = JSON.readTree(get(https, secondUrl + "/api/v1/accounts/" + remote));
                assertEquals(300, account.path("balance").asLong(), account.toString());

                // Plain HTTP to a member's port gets no answer (the port speaks TLS only).
                HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                boolean refused;
                try {
                    plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts[1] + "/health/ready"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    refused = false;
                } catch (IOException e) {
                    refused = true;
                }
                assertTrue(refused, "plain HTTP must not be answered by a TLS member");
                omni.ReliabilityLog.held("cluster members over TLS",
                        "2 members with their own certificates from one CA, a payment forwarded between them",
                        "forwarded over HTTPS (" + (long) forwarded + " transfers), committed by the owner");
            } finally {
                if (second != null) {
                    second.close();
                }
                if (first != null) {
                    first.close();
                }
            }
        } finally {
            TestDatabases.drop(database);
        }
    }

    private static MemberProcess start(Path dir, String database, TestCertificates.Server server, int httpPort,
                                       int clusterPort, String members) throws IOException {
        Files.createDirectories(dir);
        Map<Setting, String> settings = new EnumMap<>(Setting.class);
        settings.put(Setting.HTTP_PORT, Integer.toString(httpPort));
        settings.put(Setting.CLUSTER_MEMBERS, members);
        settings.put(Setting.CLUSTER_PORT, Integer.toString(clusterPort));
        settings.put(Setting.CLUSTER_SECRET, SECRET);
        settings.put(Setting.TLS_CERT, server.chain().toString());
        settings.put(Setting.TLS_KEY, server.key().toString());
        return MemberProcess.start(dir, TestDatabases.url(database), TOKEN, settings);
    }

    private static void awaitReady(HttpClient https, String url, MemberProcess member) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (System.currentTimeMillis() < deadline) {
            member.assertRunning();
            try {
                if (https.send(HttpRequest.newBuilder(URI.create(url + "/health/ready")).timeout(Duration.ofSeconds(2))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("member at " + url + " not ready:\n" + member.tail());
    }

    /** Partition owners once two members hold partitions and none is unowned. */
    private static Map<Integer, String> awaitTwoOwners(HttpClient https, String url) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (true) {
            JsonNode cluster = JSON.readTree(get(https, url + "/api/v1/cluster"));
            Map<Integer, String> owners = new HashMap<>();
            for (JsonNode p : cluster.path("partitions")) {
                if (!p.path("owner").isNull()) {
                    owners.put(p.path("id").asInt(), p.path("owner").asText());
                }
            }
            if (owners.size() == omni.kernel.Kernel.PARTITION_COUNT && owners.values().stream().distinct().count() == 2) {
                return owners;
            }
            assertTrue(System.currentTimeMillis() < deadline, "cluster did not settle: " + cluster);
            Thread.sleep(200);
        }
    }

    private static long accountOwnedBy(Map<Integer, String> owners, String memberId) {
        for (long account = 1_000; ; account++) {
            if (memberId.equals(owners.get(HazelcastPartitioning.partitionOf(account)))) {
                return account;
            }
        }
    }

    private static String transfer(long sender, long receiver, long amount, long seq, long timestamp, String parent) {
        return "{\"sender\":" + sender + ",\"receiver\":" + receiver + ",\"amount\":" + amount + ",\"seq\":" + seq
                + ",\"timestamp\":" + timestamp + ",\"parents\":[\"" + parent + "\"]}";
    }

    private static String get(HttpClient https, String url) throws Exception {
        HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization",
                "Bearer " + TOKEN).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return r.body();
    }

    private static String post(HttpClient https, String url, String body) throws Exception {
        HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/transactions"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private static double metric(String exposition, String name) {
        for (String line : List.of(exposition.split("\n"))) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError(name + " not in /metrics");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
