package omni.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import omni.config.BuildInfo;
import omni.config.Settings;
import omni.config.SettingsException;
import omni.gateway.ComponentInfo;
import omni.gateway.Gateway;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code omni serve}: reads the settings, builds the node's components, starts the gateway, prints one start-up
 * line, and runs until SIGTERM/SIGINT. This class is the composition root: components are built and wired in
 * {@link #start}, and each registers its shutdown hook there, in stop order.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Runs the node (the default command). Every setting below can also come from the environment "
                + "or omni.yaml.")
public final class ServeCommand implements Callable<Integer>, ConfiguredCommand {
    static final int EXIT_BAD_CONFIG = 2;
    static final int EXIT_START_FAILED = 1;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (default ./omni.yaml if present).")
    Path configFile;

    /** A started node: its gateway and the shutdown sequence that stops it. */
    public record Node(Settings settings, Gateway gateway, Shutdown shutdown) {
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintStream out = System.out;
        Settings settings;
        try {
            settings = SettingOptions.load(spec, configFile);
        } catch (SettingsException e) {
            System.err.println("omni: " + e.getMessage());
            return EXIT_BAD_CONFIG;
        }
        settings.warnings().forEach(w -> System.err.println("omni: warning: " + w));
        Shutdown shutdown = new Shutdown();
        shutdown.installSignalHandlers();
        Node node;
        try {
            node = start(settings, shutdown);
        } catch (IOException | RuntimeException e) {
            System.err.println("omni: cannot start: " + e.getMessage());
            shutdown.run();
            return EXIT_START_FAILED;
        }
        out.println(readyLine(node));
        out.println(adminTokenLine(node));
        out.flush();
        return shutdown.await();
    }

    /** Builds and starts every component of a node; the shutdown hooks are registered in stop order. */
    public static Node start(Settings settings, Shutdown shutdown) throws IOException {
        Gateway gateway = Gateway.builder(settings)
                .component("storage", () -> storageInfo(settings))
                .component("bus", () -> busInfo(settings))
                .component("cluster", () -> clusterInfo(settings))
                .build();
        shutdown.register("gateway", gateway::stop);
        gateway.start();
        return new Node(settings, gateway, shutdown);
    }

    static ComponentInfo storageInfo(Settings settings) {
        if (settings.dbUrl().isEmpty()) {
            Path dir = settings.dataDir().resolve("ledger");
            return new ComponentInfo("embedded", dir.toString(), false, "embedded at " + dir + " (not for production)");
        }
        String target = settings.dbUrl().substring("jdbc:postgresql://".length());
        return new ComponentInfo("postgresql", target, true, "postgresql " + target);
    }

    static ComponentInfo busInfo(Settings settings) {
        if (settings.redisUrl().isEmpty()) {
            return new ComponentInfo("in-process", "this process", false, "in-process (this node only)");
        }
        String target = settings.redisUrl().replaceFirst("^rediss?://([^@/]*@)?", "");
        return new ComponentInfo("redis", target, true, "redis " + target);
    }

    static ComponentInfo clusterInfo(Settings settings) {
        return new ComponentInfo("single", "this node", true, "single member");
    }

    /** {@code OMNI <version> ready at http://<host>:<port> — storage: …, bus: …, cluster: …} */
    static String readyLine(Node node) {
        String host = node.settings().httpHost();
        if (host.equals("0.0.0.0") || host.equals("::")) {
            host = "localhost";
        }
        return "OMNI " + BuildInfo.version() + " ready at http://" + host + ":" + node.gateway().port()
                + " \u2014 storage: " + node.gateway().component("storage").description()
                + ", bus: " + node.gateway().component("bus").description()
                + ", cluster: " + node.gateway().component("cluster").description();
    }

    static String adminTokenLine(Node node) {
        Path file = node.gateway().tokens().adminTokenFile();
        return file == null
                ? "Admin token: from OMNI_ADMIN_TOKEN (admin.token)."
                : "Admin token: in " + file.toAbsolutePath().normalize() + " (mode 0600); send it as Authorization: Bearer <token>.";
    }
}
