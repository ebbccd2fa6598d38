package omni.cli;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import io.helidon.logging.common.LogConfig;
import omni.config.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The real entry point (after {@link Boot} checked the Java version): dispatches to a subcommand, {@code serve} by default. */
@Command(name = "omni", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "OMNI transfer ledger appliance. Runs `serve` when no subcommand is given.",
        synopsisSubcommandLabel = "[COMMAND]")
public final class Main implements Callable<Integer> {
    /** Every subcommand; add yours here (one line). Each is a picocli @Command implementing Callable<Integer>. */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            ServeCommand.class,
            BenchCommand.class,
            AuditCommand.class,
            VerifyCommand.class,
            VersionCommand.class);

    private static final String DEFAULT_SUBCOMMAND = "serve";
    private static final Set<String> TOP_LEVEL_OPTIONS = Set.of("-h", "--help", "-V", "--version");

    public static void main(String[] args) {
        LogConfig.configureRuntime();
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code. */
    static int run(String... args) {
        return commandLine().execute(withDefaultSubcommand(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> subcommand : SUBCOMMANDS) {
            cl.addSubcommand(subcommand);
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommand() instanceof ConfiguredCommand) {
                SettingOptions.addTo(sub.getCommandSpec());
            }
        }
        return cl;
    }

    /** No subcommand given (nothing, or only options such as --http-port): run serve. */
    static String[] withDefaultSubcommand(String[] args) {
        if (args.length > 0 && (TOP_LEVEL_OPTIONS.contains(args[0]) || !args[0].startsWith("-"))) {
            return args;
        }
        String[] withServe = new String[args.length + 1];
        withServe[0] = DEFAULT_SUBCOMMAND;
        System.arraycopy(args, 0, withServe, 1, args.length);
        return withServe;
    }

    @Override
    public Integer call() {
        // Unreachable through run(), which always picks a subcommand; kept for picocli's Callable contract.
        System.out.println("OMNI " + BuildInfo.version() + "; see omni --help");
        return 0;
    }
}
