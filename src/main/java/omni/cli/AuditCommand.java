package omni.cli;

import omni.config.Setting;
import omni.config.Settings;
import omni.config.SettingsException;
import omni.kernel.Hex;
import omni.ledger.LedgerAudit;
import omni.ledger.Store;
import omni.ledger.StoreException;
import omni.ledger.Stores;
import omni.proof.ChainAudit;
import omni.proof.NodeKey;
import omni.proof.StorageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code omni audit}: re-verifies the stored ledger the settings point at (PostgreSQL or the embedded store)
 * from its transfers alone, then the checkpoint chain. Progress on stderr; exit 0 when clean, 1 with every
 * problem counted and the first ones listed, 2 when the store cannot be read or the settings are bad.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Re-verifies a stored ledger: ids, parents, timestamps, seqs, balances (sum 0), positions, "
                + "and the checkpoint chain (roots, prev hashes, signatures). Exit 0 clean, 1 problems found.")
public final class AuditCommand implements Callable<Integer>, ConfiguredCommand {
    static final int EXIT_CLEAN = 0;
    static final int EXIT_PROBLEMS = 1;
    static final int EXIT_CANNOT_AUDIT = 2;
    /** Redraw the progress bar at most this often: readable, and cheap next to the work. */
    static final long PROGRESS_INTERVAL_MS = 250;
    static final int PROGRESS_BAR_WIDTH = 40;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (default ./omni.yaml if present).")
    Path configFile;

    @Option(names = "--threads", paramLabel = "N", description = "Threads recomputing ids (default: available processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--public-key", paramLabel = "HEX",
            description = "Ed25519 public key for checkpoint signatures (default: the node key in the data directory).")
    String publicKeyHex;

    @Override
    public Integer call() {
        // picocli's writers (System.out and System.err unless a caller set others), so the report can be captured.
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Settings settings;
        try {
            settings = SettingOptions.load(spec, configFile);
        } catch (SettingsException e) {
            err.println("omni audit: " + e.getMessage());
            return EXIT_CANNOT_AUDIT;
        }
        try (Store store = Stores.create(settings.dbUrl(), settings.string(Setting.DB_USER),
                settings.string(Setting.DB_PASSWORD), settings.dataDir())) {
            if (!store.holdsLedger()) {
                err.println("omni audit: no ledger on " + store.description() + "; nothing to audit"
                        + " (check --data-dir or OMNI_DB_URL)");
                return EXIT_CANNOT_AUDIT;
            }
            store.open(settings.ledgerName());
            return audit(store, settings, out, err);
        } catch (StorageException | IOException e) {
            err.println("omni audit: " + e.getMessage());
            return EXIT_CANNOT_AUDIT;
        } finally {
            out.flush();
            err.flush();
        }
    }

    int audit(Store store, Settings settings, PrintWriter out, PrintWriter err) throws StorageException, IOException {
        long start = System.nanoTime();
        out.println("audit of " + store.description() + ", ledger '" + settings.ledgerName() + "'");
        ProgressBar bar = new ProgressBar(err, "transfers");
        LedgerAudit.Report ledger = new LedgerAudit(store, settings.ledgerName(), threads).run(bar::update);
        bar.finish();
        ChainAudit.Report chain = auditChain(store, settings.dataDir(), out, err);
        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf("%,d transfers, %,d accounts, %,d checkpoints in %.1f s%n", ledger.transferCount(),
                ledger.accountCount(), chain == null ? 0 : chain.checkpointCount(), seconds);
        long problems = ledger.problemCount() + (chain == null ? 0 : chain.findingCount());
        if (problems == 0) {
            out.println("clean: ids recompute, parents earlier, timestamps respect parents, seqs contiguous, "
                    + "balances equal the transfers and sum to 0, positions contiguous"
                    + (chain == null ? "" : ", checkpoint chain verifies"));
            return EXIT_CLEAN;
        }
        printProblems(out, ledger, chain, problems);
        return EXIT_PROBLEMS;
    }

    /** The proof component's chain audit; null (with a note) when there is no key to check signatures with. */
    private ChainAudit.Report auditChain(Store store, Path dataDir, PrintWriter out, PrintWriter err)
            throws StorageException, IOException {
        byte[] publicKey = publicKey(dataDir);
        if (publicKey == null) {
            if (store.latestCheckpoint() != null) {
                out.println("checkpoint chain NOT audited: no --public-key and no " + dataDir.resolve(NodeKey.FILE_NAME));
            }
            return null;
        }
        ProgressBar bar = new ProgressBar(err, "checkpoints");
        ChainAudit.Report report = ChainAudit.run(store, publicKey, (seq, latest, findings) -> bar.update(seq, latest));
        bar.finish();
        return report;
    }

    private byte[] publicKey(Path dataDir) throws IOException {
        if (publicKeyHex != null) {
            byte[] key = new byte[NodeKey.PUBLIC_KEY_SIZE];
            if (!Hex.decode(publicKeyHex, key, 0, key.length)) {
                throw new IOException("--public-key is not " + 2 * key.length + " lowercase hex digits");
            }
            return key;
        }
        Path file = dataDir.resolve(NodeKey.FILE_NAME);
        return Files.exists(file) ? NodeKey.readPublicKey(file) : null;
    }

    private static void printProblems(PrintWriter out, LedgerAudit.Report ledger, ChainAudit.Report chain, long problems) {
        out.printf("PROBLEMS: %,d%n", problems);
        for (Map.Entry<String, Long> e : ledger.countsByKind().entrySet()) {
            out.printf("  %-28s %,d%n", e.getKey(), e.getValue());
        }
        if (chain != null && chain.findingCount() > 0) {
            out.printf("  %-28s %,d%n", "checkpoint chain", chain.findingCount());
        }
        ledger.problems().forEach(p -> out.println("  " + p));
        if (ledger.problems().size() < ledger.problemCount()) {
            out.printf("  (%,d more ledger problems not listed)%n", ledger.problemCount() - ledger.problems().size());
        }
        if (chain != null) {
            chain.findings().forEach(f -> out.println("  " + f));
            if (chain.findings().size() < chain.findingCount()) {
                out.printf("  (%,d more checkpoint problems not listed)%n", chain.findingCount() - chain.findings().size());
            }
        }
    }

    /** "[#####-----]  52%  5,200,000 / 10,000,000 transfers" on one line of stderr, redrawn in place. */
    static final class ProgressBar {
        private final PrintWriter err;
        private final String unit;
        private long lastDrawMs;
        private long done;
        private long total;

        ProgressBar(PrintWriter err, String unit) {
            this.err = err;
            this.unit = unit;
        }

        void update(long done, long total) {
            this.done = done;
            this.total = total;
            long now = System.currentTimeMillis();
            if (now - lastDrawMs >= PROGRESS_INTERVAL_MS) {
                lastDrawMs = now;
                draw();
            }
        }

        void finish() {
            if (total > 0) {
                draw();
                err.println();
            }
        }

        private void draw() {
            int filled = total == 0 ? PROGRESS_BAR_WIDTH : (int) (PROGRESS_BAR_WIDTH * Math.min(done, total) / total);
            err.printf("\r[%s%s] %3d%%  %,d / %,d %s", "#".repeat(filled), "-".repeat(PROGRESS_BAR_WIDTH - filled),
                    total == 0 ? 100 : 100 * Math.min(done, total) / total, done, total, unit);
            err.flush();
        }
    }
}
