package omni.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import omni.config.Setting;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.arrayContaining;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

class MainTest {

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        int exit = cl.execute(Main.withDefaultSubcommand(args));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEverySubcommand() {
        Run r = run("--help");
        assertThat(r.exit(), is(0));
        for (String name : Main.commandLine().getSubcommands().keySet()) {
            assertThat(r.out(), containsString(name));
        }
        assertThat(r.out(), containsString("serve"));
        assertThat(r.out(), containsString("version"));
    }

    @Test
    void serveHelpListsEverySettingFromTheRegistry() {
        Run r = run("serve", "--help");
        assertThat(r.exit(), is(0));
        for (Setting s : Setting.values()) {
            assertThat(r.out(), containsString(s.flag() == null ? s.env() : s.flag()));
        }
        assertThat(r.out(), containsString("--config"));
    }

    @Test
    void everySubcommandHasHelp() {
        for (String name : Main.commandLine().getSubcommands().keySet()) {
            assertThat(name, run(name, "--help").exit(), is(0));
        }
    }

    @Test
    void serveIsTheDefault() {
        assertThat(Main.withDefaultSubcommand(new String[0]), arrayContaining("serve"));
        assertThat(Main.withDefaultSubcommand(new String[] {"--http-port", "1"}),
                arrayContaining("serve", "--http-port", "1"));
        assertThat(Main.withDefaultSubcommand(new String[] {"--help"}), arrayContaining("--help"));
        assertThat(Main.withDefaultSubcommand(new String[] {"version"}), arrayContaining("version"));
    }

    @Test
    void versionPrintsTheVersion() {
        assertThat(VersionCommand.line(), containsString("OMNI " + omni.config.BuildInfo.version() + " (Java "));
    }

    @Test
    void badFlagValueStopsTheStartNamingTheKey() {
        // ServeCommand prints to System.err; the exit code is what a supervisor sees.
        assertThat(run("serve", "--http-port", "99999").exit(), is(ServeCommand.EXIT_BAD_CONFIG));
    }
}
