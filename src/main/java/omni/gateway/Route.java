package omni.gateway;

import java.util.regex.Pattern;

/**
 * One registered route: HTTP method (or "*" for any) and the full path pattern as Helidon takes it
 * ({@code /api/v1/accounts/{id}}). Used to list the API, keep /openapi in sync and answer 405.
 */
public record Route(String method, String path) implements Comparable<Route> {

    /** Matches a request path against this route's pattern ({@code {name}}, {@code {+name}}, {@code *}). */
    boolean matches(String requestPath) {
        return regex().matcher(requestPath).matches();
    }

    private Pattern regex() {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < path.length()) {
            char c = path.charAt(i);
            if (c == '{') {
                int end = path.indexOf('}', i);
                sb.append(path.charAt(i + 1) == '+' ? ".+" : "[^/]+");
                i = end + 1;
            } else if (c == '*') {
                sb.append(".*");
                i++;
            } else {
                sb.append(Pattern.quote(String.valueOf(c)));
                i++;
            }
        }
        return Pattern.compile(sb.toString());
    }

    /** The path as OpenAPI writes it: {@code {id:\d+}} and {@code {+rest}} become {@code {id}} and {@code {rest}}. */
    String openApiPath() {
        return path.replaceAll("\\{\\+?([A-Za-z0-9_]+)(:[^}]*)?}", "{$1}");
    }

    @Override
    public int compareTo(Route o) {
        int c = path.compareTo(o.path);
        return c != 0 ? c : method.compareTo(o.method);
    }

    @Override
    public String toString() {
        return method + " " + path;
    }
}
