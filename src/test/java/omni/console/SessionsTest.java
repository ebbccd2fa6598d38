package omni.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Sessions and the sign-in limiter, on explicit clocks (no waiting). */
class SessionsTest {
    private static final long T0 = 1_000_000;

    @Test
    void sessionLivesUntilItsExpiryOrLogout() {
        Sessions sessions = new Sessions();
        Sessions.Created a = sessions.create("admin", true, T0);
        assertNotNull(sessions.find(a.cookieValue(), T0 + Sessions.SESSION_TTL.toMillis() - 1));
        assertNull(sessions.find(a.cookieValue(), T0 + Sessions.SESSION_TTL.toMillis()), "expired");
        Sessions.Created b = sessions.create("client", false, T0);
        sessions.end(b.cookieValue());
        assertNull(sessions.find(b.cookieValue(), T0));
        assertNull(sessions.find("forged", T0));
        assertNull(sessions.find(null, T0));
    }

    @Test
    void csrfTokenIsPerSession() {
        Sessions sessions = new Sessions();
        Sessions.Session a = sessions.create("admin", true, T0).session();
        Sessions.Session b = sessions.create("admin", true, T0).session();
        assertTrue(Sessions.csrfMatches(a, a.csrfToken()));
        assertFalse(Sessions.csrfMatches(a, b.csrfToken()));
        assertFalse(Sessions.csrfMatches(a, null));
    }

    @Test
    void tableIsBoundedAndEndsTheOldestFirst() {
        Sessions sessions = new Sessions();
        Sessions.Created first = sessions.create("admin", true, T0);
        Sessions.Created last = null;
        for (int i = 0; i < Sessions.SESSION_COUNT_MAX; i++) {
            last = sessions.create("admin", true, T0 + 1 + i);
        }
        assertEquals(Sessions.SESSION_COUNT_MAX, sessions.size());
        assertNull(sessions.find(first.cookieValue(), T0 + 1), "the oldest made room");
        assertNotNull(sessions.find(last.cookieValue(), T0 + 1));
    }

    @Test
    void failuresPerAddressAreLimitedForOneWindow() {
        SignInLimiter limiter = new SignInLimiter();
        for (int i = 0; i < SignInLimiter.FAILURES_MAX; i++) {
            assertEquals(0, limiter.retryAfterMs("10.0.0.1", T0));
            limiter.failed("10.0.0.1", T0);
        }
        assertEquals(SignInLimiter.WINDOW_MS, limiter.retryAfterMs("10.0.0.1", T0));
        assertEquals(0, limiter.retryAfterMs("10.0.0.2", T0), "another address is not affected");
        assertEquals(0, limiter.retryAfterMs("10.0.0.1", T0 + SignInLimiter.WINDOW_MS), "the window ended");
        limiter.failed("10.0.0.3", T0);
        limiter.succeeded("10.0.0.3");
        assertEquals(0, limiter.retryAfterMs("10.0.0.3", T0));
    }
}
