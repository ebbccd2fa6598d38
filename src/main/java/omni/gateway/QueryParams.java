package omni.gateway;

import java.util.HexFormat;
import java.util.Optional;

import io.helidon.webserver.http.ServerRequest;

/** Query and path parameters of the ledger's reads as numbers; a bad one answers 400 naming it. */
final class QueryParams {
    /** A transfer id is a SHA-256, 32 bytes. */
    private static final int TRANSFER_ID_HEX_LENGTH = 64;

    private QueryParams() {
    }

    /**
     * A query parameter as a long in [min, max], {@code missing} when absent; 400 naming the parameter
     * otherwise (digits only: no sign, no fraction, no exponent).
     */
    static long queryLong(ServerRequest req, String name, long missing, long min, long max) {
        Optional<String> text = req.query().first(name).asOptional();
        if (text.isEmpty()) {
            return missing;
        }
        long value = parseLong(text.get());
        if (value < min || value > max) {
            throw new ApiException(400, "Bad Request", "query parameter " + name + " must be an integer from "
                    + min + " to " + max + ", not " + text.get());
        }
        return value;
    }

    /** A checkpoint seq (path or query parameter): an integer from 1; 400 naming the parameter otherwise. */
    static long seq(String text, String name) {
        long value = parseLong(text);
        if (value < 1) {
            throw new ApiException(400, "Bad parameter", name + " must be an integer from 1, got '" + text + "'");
        }
        return value;
    }

    /** The {id} path segment as an account id 0..2^63-1 in decimal; 400 otherwise. */
    static long accountId(ServerRequest req) {
        String text = req.path().pathParameters().get("id");
        long id = parseLong(text);
        if (id < 0) {
            throw new ApiException(400, "Bad Request", "an account id is an integer from 0 to 2^63-1, not " + text);
        }
        return id;
    }

    /** The {id} path segment as a 32-byte transfer id written in 64 lowercase hex characters; 400 otherwise. */
    static byte[] transferId(ServerRequest req) {
        String text = req.path().pathParameters().get("id");
        boolean valid = text.length() == TRANSFER_ID_HEX_LENGTH;
        for (int i = 0; valid && i < text.length(); i++) {
            char c = text.charAt(i);
            valid = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        }
        if (!valid) {
            throw new ApiException(400, "Bad Request", "a transaction id is 64 lowercase hex characters");
        }
        return HexFormat.of().parseHex(text);
    }

    /** Decimal digits as a long in [0, 2^63-1], or -1 when the text is not that. */
    static long parseLong(String text) {
        if (text.isEmpty() || text.length() > 19) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            int digit = text.charAt(i) - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            if (value > (Long.MAX_VALUE - digit) / 10) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }
}
