package omni.bus;

/** JSON string literals for the few hand-written JSON texts of the bus and its HTTP service. */
public final class JsonText {
    private JsonText() {
    }

    /** {@code text} as a JSON string literal (quotes included), escaping what RFC 8259 requires. */
    public static String quote(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
