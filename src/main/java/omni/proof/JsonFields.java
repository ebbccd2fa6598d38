package omni.proof;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import omni.kernel.Hex;

import java.util.HexFormat;
import java.util.Iterator;
import java.util.Set;

/**
 * Strict reading of the JSON objects of docs/proofs.md: every field present with the right type, no
 * unknown or duplicate field, byte strings as lowercase hex of the exact size, numbers integral and in
 * range. A violation throws {@link IllegalArgumentException} whose message names the field, which the
 * verifier reports as the reason.
 */
final class JsonFields {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private JsonFields() {
    }

    static JsonNode parse(String json, String what) {
        try {
            JsonNode node = MAPPER.readTree(json);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(what + " is not a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    static JsonNode object(JsonNode parent, String name, String context) {
        JsonNode node = parent.get(name);
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(field(context, name) + " is missing or not an object");
        }
        return node;
    }

    static void requireExactly(JsonNode node, Set<String> names, String context) {
        requireExactly(node, names, context, Set.of());
    }

    /** Every field of {@code names} present except those in {@code optional}, and no other field. */
    static void requireExactly(JsonNode node, Set<String> names, String context, Set<String> optional) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!names.contains(name)) {
                throw new IllegalArgumentException(field(context, name) + " is not a known field");
            }
        }
        for (String name : names) {
            if (!node.has(name) && !optional.contains(name)) {
                throw new IllegalArgumentException(field(context, name) + " is missing");
            }
        }
    }

    static long longValue(JsonNode parent, String name, long min, String context) {
        JsonNode node = parent.get(name);
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new IllegalArgumentException(field(context, name) + " is missing or not a 64-bit integer");
        }
        long value = node.longValue();
        if (value < min) {
            throw new IllegalArgumentException(field(context, name) + " is " + value + ", below " + min);
        }
        return value;
    }

    /** An integer 0 .. 2^64-1 (a u64 of the canonical encoding), returned as its 64 bits. */
    static long unsignedValue(JsonNode parent, String name, String context) {
        JsonNode node = parent.get(name);
        if (node == null || !node.isIntegralNumber() || node.bigIntegerValue().signum() < 0
                || node.bigIntegerValue().bitLength() > Long.SIZE) {
            throw new IllegalArgumentException(field(context, name) + " is missing or not an integer 0..2^64-1");
        }
        return node.bigIntegerValue().longValue();
    }

    static byte[] hex(JsonNode parent, String name, int size, String context) {
        JsonNode node = parent.get(name);
        if (node == null || !node.isTextual()) {
            throw new IllegalArgumentException(field(context, name) + " is missing or not a string");
        }
        return hex(node.textValue(), size, field(context, name));
    }

    static byte[] hex(String text, int size, String fieldName) {
        byte[] out = new byte[size];
        if (!Hex.decode(text, out, 0, size)) {
            throw new IllegalArgumentException(fieldName + " is not " + 2 * size + " lowercase hex digits");
        }
        return out;
    }

    /** Appends {@code "hex"} (quoted) of {@code length} bytes from {@code offset}: no String per byte string. */
    static StringBuilder appendHex(StringBuilder json, byte[] bytes, int offset, int length) {
        json.append('"');
        HexFormat.of().formatHex(json, bytes, offset, offset + length);
        return json.append('"');
    }

    static StringBuilder appendHex(StringBuilder json, byte[] bytes) {
        return appendHex(json, bytes, 0, bytes.length);
    }

    static String field(String context, String name) {
        return context.isEmpty() ? name : context + "." + name;
    }
}
