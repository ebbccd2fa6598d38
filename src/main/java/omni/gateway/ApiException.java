package omni.gateway;

/**
 * Thrown from any HTTP handler to answer with an RFC 9457 problem: {@code status}, a short {@code title} that is
 * the same for every occurrence of this kind of problem (it also names the problem {@code type}), and a
 * {@code detail} that explains this occurrence. The gateway's one error mapper writes it as
 * {@code application/problem+json}; with {@code retryAfterSeconds > 0} it also sets {@code Retry-After}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String title;
    private final String detail;
    private final int retryAfterSeconds;

    public ApiException(int status, String title, String detail) {
        this(status, title, detail, 0);
    }

    public ApiException(int status, String title, String detail, int retryAfterSeconds) {
        super(status + " " + title + ": " + detail, null, false, false);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("problem status must be 4xx or 5xx, was " + status);
        }
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("retryAfterSeconds must be >= 0, was " + retryAfterSeconds);
        }
        this.status = status;
        this.title = title;
        this.detail = detail;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return detail;
    }

    /** 0 when no Retry-After header is sent. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
