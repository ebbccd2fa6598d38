package omni.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bearer tokens: the admin token (from OMNI_ADMIN_TOKEN, or generated once into {@code <data dir>/admin.token},
 * mode 0600) and client tokens, which are stored only as SHA-256 hashes in {@code <data dir>/client-tokens}
 * (mode 0600, one {@code id hash createdMs} line each, rewritten atomically on change).
 *
 * <p>Tokens are compared by their SHA-256 with {@link MessageDigest#isEqual}, which takes the same time wherever
 * the hashes differ; client tokens are found by hash in a map, so timing reveals at most a prefix of a hash,
 * not of a token.
 */
public final class TokenStore {
    public static final String ADMIN_TOKEN_FILE = "admin.token";
    static final String CLIENT_TOKENS_FILE = "client-tokens";
    // A bound on the token file and map; an operator with more clients than this should use a gateway in front.
    static final int CLIENT_TOKEN_COUNT_MAX = 10_000;
    // 32 random bytes: 256 bits, the same strength as the SHA-256 that stores them.
    private static final int TOKEN_BYTES = 32;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    public record ClientToken(String id, long createdMs) {
    }

    public record Created(String id, String token) {
    }

    private final Path dataDir;
    private final byte[] adminHash;
    private final Path adminTokenFile;
    private final ReentrantLock lock = new ReentrantLock();
    // Written under lock, replaced whole (copy on write) so that authentication reads it without a lock.
    private volatile Map<String, ClientToken> clientsByHash;
    private final SecureRandom random = new SecureRandom();

    private TokenStore(Path dataDir, byte[] adminHash, Path adminTokenFile, Map<String, ClientToken> clients) {
        this.dataDir = dataDir;
        this.adminHash = adminHash;
        this.adminTokenFile = adminTokenFile;
        this.clientsByHash = clients;
    }

    /**
     * Opens the token store of a data directory (created if missing, mode 0700).
     *
     * @param adminTokenOverride the configured admin token, or "" to use (and on first start create) the file
     */
    public static TokenStore open(Path dataDir, String adminTokenOverride) throws IOException {
        Files.createDirectories(dataDir);
        String adminToken;
        Path adminFile = null;
        if (adminTokenOverride.isEmpty()) {
            adminFile = dataDir.resolve(ADMIN_TOKEN_FILE);
            adminToken = readOrCreateAdminToken(adminFile);
        } else {
            adminToken = adminTokenOverride;
        }
        Map<String, ClientToken> clients = readClients(dataDir.resolve(CLIENT_TOKENS_FILE));
        return new TokenStore(dataDir, sha256(adminToken), adminFile, clients);
    }

    /** The file holding the admin token, or null when it comes from the configuration. */
    public Path adminTokenFile() {
        return adminTokenFile;
    }

    /** The caller a presented token belongs to, or null if it is no valid token. */
    public Caller authenticate(String presented) {
        byte[] hash = sha256(presented);
        if (MessageDigest.isEqual(hash, adminHash)) {
            return Caller.ADMIN;
        }
        ClientToken client = clientsByHash.get(HexFormat.of().formatHex(hash));
        return client == null ? null : new Caller(client.id(), false);
    }

    public Created create() throws IOException {
        lock.lock();
        try {
            if (clientsByHash.size() >= CLIENT_TOKEN_COUNT_MAX) {
                throw new ApiException(409, "Too many client tokens", "there are already "
                        + clientsByHash.size() + " client tokens (limit " + CLIENT_TOKEN_COUNT_MAX
                        + "); revoke some first");
            }
            String token = newToken();
            byte[] idBytes = new byte[8];
            random.nextBytes(idBytes);
            ClientToken client = new ClientToken(HexFormat.of().formatHex(idBytes), System.currentTimeMillis());
            Map<String, ClientToken> next = new LinkedHashMap<>(clientsByHash);
            next.put(HexFormat.of().formatHex(sha256(token)), client);
            writeClients(next);
            clientsByHash = next;
            return new Created(client.id(), token);
        } finally {
            lock.unlock();
        }
    }

    /** Revokes a client token by id; false if there is none. */
    public boolean revoke(String id) throws IOException {
        lock.lock();
        try {
            Map<String, ClientToken> next = new LinkedHashMap<>(clientsByHash);
            if (!next.values().removeIf(c -> c.id().equals(id))) {
                return false;
            }
            writeClients(next);
            clientsByHash = next;
            return true;
        } finally {
            lock.unlock();
        }
    }

    public List<ClientToken> clients() {
        return List.copyOf(clientsByHash.values());
    }

    private String newToken() {
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String readOrCreateAdminToken(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] bytes = new byte[TOKEN_BYTES];
            new SecureRandom().nextBytes(bytes);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
                return token;
            } catch (FileAlreadyExistsException e) {
                // Another process created it first; use theirs.
            }
        }
        String token = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (token.length() < 16) {
            throw new IOException(file + " holds no usable admin token (" + token.length()
                    + " characters, need 16+); delete it to generate a new one");
        }
        return token;
    }

    private static Map<String, ClientToken> readClients(Path file) throws IOException {
        Map<String, ClientToken> clients = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return clients;
        }
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            lineNumber++;
            String[] parts = line.trim().split(" ");
            if (line.isBlank()) {
                continue;
            }
            if (parts.length != 3 || parts[1].length() != 64) {
                throw new IOException(file + " line " + lineNumber + " is not 'id sha256 createdMs'");
            }
            clients.put(parts[1], new ClientToken(parts[0], Long.parseLong(parts[2])));
        }
        return clients;
    }

    private void writeClients(Map<String, ClientToken> clients) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, ClientToken> e : clients.entrySet()) {
            sb.append(e.getValue().id()).append(' ').append(e.getKey()).append(' ')
                    .append(e.getValue().createdMs()).append('\n');
        }
        Path target = dataDir.resolve(CLIENT_TOKENS_FILE);
        Path temp = dataDir.resolve(CLIENT_TOKENS_FILE + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Files.writeString(temp, sb, StandardCharsets.US_ASCII);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
