package omni.cli;

import java.util.concurrent.Callable;

import omni.config.BuildInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

@Command(name = "version", mixinStandardHelpOptions = true, description = "Prints the OMNI version and the Java running it.")
public final class VersionCommand implements Callable<Integer> {

    static String line() {
        return "OMNI " + BuildInfo.version() + " (Java " + Runtime.version() + ", " + System.getProperty("java.home") + ")";
    }

    @Override
    public Integer call() {
        System.out.println(line());
        return 0;
    }

    /** For {@code omni --version}. */
    public static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {line()};
        }
    }
}
