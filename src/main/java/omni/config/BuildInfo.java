package omni.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of this build, from {@code omni/build.properties} (filled in by Maven at build time). */
public final class BuildInfo {
    private static final String VERSION = load();

    private BuildInfo() {
    }

    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("/omni/build.properties")) {
            if (in == null) {
                throw new IllegalStateException("resource /omni/build.properties is missing from the build");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /omni/build.properties", e);
        }
    }
}
