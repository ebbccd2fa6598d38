package omni.cli;

/**
 * The jar's entry point. Compiled for Java 8 so that an older runtime still loads it and can say in one
 * line why OMNI will not start, rather than failing with an UnsupportedClassVersionError.
 */
public final class Boot {
    private static final int JAVA_FEATURE_MIN = 21;

    private Boot() {
    }

    public static void main(String[] args) throws Throwable {
        int feature = javaFeature(System.getProperty("java.specification.version", "0"));
        if (feature < JAVA_FEATURE_MIN) {
            System.err.println("OMNI needs Java " + JAVA_FEATURE_MIN + " or newer, but found Java "
                    + System.getProperty("java.version") + " at " + System.getProperty("java.home")
                    + "; install a JDK 21+ (e.g. apt-get install openjdk-21-jdk or Temurin 21+) and run"
                    + " it with that java, or use the dist/omni launcher, which finds one itself.");
            System.exit(1);
        }
        // Reflection keeps this class free of links to classes compiled for newer releases.
        Class.forName("omni.cli.Main").getMethod("main", String[].class).invoke(null, (Object) args);
    }

    static int javaFeature(String specVersion) {
        // "1.8" before Java 9, "17" or "21" after.
        String v = specVersion.startsWith("1.") ? specVersion.substring(2) : specVersion;
        int dot = v.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
