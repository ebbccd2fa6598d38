package omni.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import javax.net.ssl.SSLContext;

import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;

/**
 * The HTTP calls of {@code omni bench}: blocking HTTP/1.1 on kept-alive connections, one per calling thread, with
 * bodies sent from and answers read into byte arrays. On two cores the load generator shares the machine with the
 * node it measures, so what it spends a request is taken from the node; with this client and the answers' counts
 * read without the per-item results, it spends about half the CPU a transfer that it did with
 * {@code java.net.http} and a JSON tree (the README's performance section has the figures).
 */
final class BenchHttp {
    /** A batch of 10,000 answers some 1.2 MB; an answer past this is no answer of the API. */
    private static final int ANSWER_SIZE_MAX = 16 << 20;
    /** A 429 is waited out this many times in a row before the call returns it. */
    private static final int RATE_LIMITED_RETRY_MAX = 60;

    /** Status, body and the Retry-After seconds (1 when absent or not a number) of one answer. */
    record Answer(int status, byte[] body, long retryAfterS) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Http1Client client;
    private final String authorization;

    /** {@code trust}: the certificates to trust for https, or null for the JVM's trust store. */
    BenchHttp(String authorization, Duration connectTimeout, Duration readTimeout, SSLContext trust) {
        this.authorization = authorization;
        var builder = Http1Client.builder().connectTimeout(connectTimeout).readTimeout(readTimeout)
                .maxInMemoryEntity(ANSWER_SIZE_MAX);
        if (trust != null) {
            builder.tls(Tls.builder().sslContext(trust).build());
        }
        this.client = builder.build();
    }

    /** GET with the token when {@code authorized}. */
    Answer get(String url, boolean authorized) throws IOException, InterruptedException {
        return send(() -> {
            Http1ClientRequest request = client.get().uri(URI.create(url));
            if (authorized) {
                request.header(HeaderNames.AUTHORIZATION, authorization);
            }
            return request.request();
        });
    }

    /** POST of {@code body[0, size)} as JSON, with the token. */
    Answer post(String url, byte[] body, int size) throws IOException, InterruptedException {
        return send(() -> client.post().uri(URI.create(url))
                .header(HeaderNames.AUTHORIZATION, authorization)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .header(HeaderNames.CONTENT_LENGTH, Integer.toString(size))
                .outputStream(stream -> {
                    stream.write(body, 0, size);
                    stream.close();
                }));
    }

    @FunctionalInterface
    private interface Exchange {
        HttpClientResponse start();
    }

    /**
     * One call; a 429 (the node's per-token rate, docs/operations.md) is waited out for its Retry-After and sent
     * again, so the bench measures the ledger, not the rate limit (the check alone reads every account). A member
     * that cannot be reached, or whose answer is cut off, is an IOException.
     */
    private Answer send(Exchange exchange) throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            Answer answer;
            try (HttpClientResponse response = exchange.start()) {
                answer = new Answer(response.status().code(), response.entity().as(byte[].class),
                        retryAfterS(response.headers().first(HeaderNames.RETRY_AFTER).orElse("1")));
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } catch (RuntimeException e) {
                // The client reports a connection closed half-way through an answer as an unchecked exception
                // of its own: to the caller that is the same as a member that cannot be reached.
                throw new IOException("the exchange failed: " + e, e);
            }
            if (answer.status() != 429 || attempt == RATE_LIMITED_RETRY_MAX) {
                return answer;
            }
            Thread.sleep(1_000 * answer.retryAfterS());
        }
    }

    private static long retryAfterS(String value) {
        try {
            return Math.max(0, Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
