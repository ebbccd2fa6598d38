package omni.gateway;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * Wraps the {@link HttpRules} handed to a service so that every route it registers is also written down (method
 * and full path), then passes the call on unchanged. Services register routes with the usual
 * {@code rules.get("/path", handler)} style; a route given as an opaque {@code HttpRoute} cannot be listed and is
 * refused, so that the route list (and so /openapi and 405 answers) is never silently incomplete.
 */
final class RouteRecorder implements InvocationHandler {
    private static final Set<String> METHODS = Set.of("get", "post", "put", "delete", "head", "options", "trace",
            "patch", "any");

    private final HttpRules target;
    private final String prefix;
    private final List<Route> out;

    private RouteRecorder(HttpRules target, String prefix, List<Route> out) {
        this.target = target;
        this.prefix = prefix;
        this.out = out;
    }

    static HttpRules wrap(HttpRules target, String prefix, List<Route> out) {
        return (HttpRules) Proxy.newProxyInstance(HttpRules.class.getClassLoader(), new Class<?>[] {HttpRules.class},
                new RouteRecorder(target, prefix, out));
    }

    /** Registers {@code services} under {@code path}, recording their routes. */
    static void register(HttpRules rules, String path, List<Route> out, List<HttpService> services) {
        for (HttpService service : services) {
            rules.register(path, new Recorded(service, join("", path), out));
        }
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        Object[] a = args == null ? new Object[0] : args;
        if (METHODS.contains(name)) {
            String path = a.length > 0 && a[0] instanceof String s ? s : "";
            out.add(new Route(name.equals("any") ? "*" : name.toUpperCase(Locale.ROOT), join(prefix, path)));
        } else if (name.equals("route")) {
            if (a.length < 2 || !(a[0] instanceof io.helidon.http.Method m) || !(a[1] instanceof String path)) {
                throw new IllegalArgumentException("register routes with rules.get/post/put/delete(path, handler) "
                        + "or rules.route(Method, String, ...), so that the gateway can list them");
            }
            out.add(new Route(m.text(), join(prefix, path)));
        } else if (name.equals("register")) {
            return register(proxy, a);
        }
        try {
            Object result = method.invoke(target, a);
            return result == target ? proxy : result;
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private Object register(Object proxy, Object[] a) {
        String path = a.length > 0 && a[0] instanceof String s ? s : "";
        int first = a.length > 0 && a[0] instanceof String ? 1 : 0;
        for (int i = first; i < a.length; i++) {
            Object arg = a[i];
            if (arg instanceof HttpService[] services) {
                for (HttpService s : services) {
                    target.register(path, new Recorded(s, join(prefix, path), out));
                }
            } else if (arg instanceof HttpService s) {
                target.register(path, new Recorded(s, join(prefix, path), out));
            } else if (arg instanceof Supplier<?> supplier) {
                target.register(path, new Recorded((HttpService) supplier.get(), join(prefix, path), out));
            } else if (arg instanceof List<?> suppliers) {
                for (Object o : suppliers) {
                    target.register(path, new Recorded((HttpService) ((Supplier<?>) o).get(), join(prefix, path), out));
                }
            }
        }
        return proxy;
    }

    static String join(String prefix, String path) {
        String joined = (prefix.equals("/") ? "" : prefix) + (path.isEmpty() || path.startsWith("/") ? path : "/" + path);
        if (joined.length() > 1 && joined.endsWith("/")) {
            joined = joined.substring(0, joined.length() - 1);
        }
        return joined.isEmpty() ? "/" : joined;
    }

    /** A service whose routing is recorded; its lifecycle calls pass through. */
    private record Recorded(HttpService service, String prefix, List<Route> out) implements HttpService {
        @Override
        public void routing(HttpRules rules) {
            service.routing(wrap(rules, prefix, out));
        }

        @Override
        public void beforeStart() {
            service.beforeStart();
        }

        @Override
        public void afterStart(io.helidon.webserver.WebServer server) {
            service.afterStart(server);
        }

        @Override
        public void afterStop() {
            service.afterStop();
        }
    }
}
