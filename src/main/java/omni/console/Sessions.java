package omni.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Console sign-in sessions: a random 256-bit session id in the cookie, kept here only as its SHA-256 (so a heap
 * dump or a timing probe of the map reveals no usable cookie), each with its own CSRF token, its caller and an
 * absolute expiry. Bounded in number: when full, the oldest session is ended, so a flood of sign-ins with a
 * valid token cannot grow the heap.
 */
final class Sessions {
    /** An operator's working day; after that the console asks for the token again. */
    static final Duration SESSION_TTL = Duration.ofHours(8);
    /** Far more operators than a node has; each session is under 200 bytes, so the table stays below 1 MiB. */
    static final int SESSION_COUNT_MAX = 4096;
    private static final int SECRET_BYTES = 32;

    /** A signed-in operator: who (admin or a client token id), its CSRF token and when it ends. */
    record Session(String callerId, boolean admin, String csrfToken, long expiresAtMs) {
    }

    /** A new session: the cookie value to hand out once, and the session. */
    record Created(String cookieValue, Session session) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    // Insertion order is creation order, so the first entry is the oldest session.
    private final LinkedHashMap<String, Session> byHash = new LinkedHashMap<>();
    private final SecureRandom random = new SecureRandom();

    Created create(String callerId, boolean admin, long nowMs) {
        String cookie = newSecret();
        Session session = new Session(callerId, admin, newSecret(), nowMs + SESSION_TTL.toMillis());
        lock.lock();
        try {
            removeExpired(nowMs);
            if (byHash.size() >= SESSION_COUNT_MAX) {
                Iterator<String> oldest = byHash.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
            byHash.put(hash(cookie), session);
        } finally {
            lock.unlock();
        }
        return new Created(cookie, session);
    }

    /** The live session of a cookie value, or null when it is unknown, ended or expired. */
    Session find(String cookieValue, long nowMs) {
        if (cookieValue == null || cookieValue.isEmpty()) {
            return null;
        }
        String key = hash(cookieValue);
        lock.lock();
        try {
            Session session = byHash.get(key);
            if (session != null && session.expiresAtMs() <= nowMs) {
                byHash.remove(key);
                return null;
            }
            return session;
        } finally {
            lock.unlock();
        }
    }

    void end(String cookieValue) {
        if (cookieValue == null) {
            return;
        }
        lock.lock();
        try {
            byHash.remove(hash(cookieValue));
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return byHash.size();
        } finally {
            lock.unlock();
        }
    }

    /** Compares a presented CSRF token with the session's in constant time. */
    static boolean csrfMatches(Session session, String presented) {
        return presented != null && MessageDigest.isEqual(session.csrfToken().getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }

    private void removeExpired(long nowMs) {
        // Creation order is expiry order (one TTL for all), so expired sessions are at the front.
        Iterator<Map.Entry<String, Session>> it = byHash.entrySet().iterator();
        while (it.hasNext() && it.next().getValue().expiresAtMs() <= nowMs) {
            it.remove();
        }
    }

    private String newSecret() {
        byte[] bytes = new byte[SECRET_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String hash(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
