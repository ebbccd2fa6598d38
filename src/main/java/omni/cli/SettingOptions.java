package omni.cli;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import omni.config.Setting;
import omni.config.Settings;
import omni.config.SettingsException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/** Turns the {@link Setting} registry into picocli options, so that flags and --help come from the same enum. */
public final class SettingOptions {
    private SettingOptions() {
    }

    static void addTo(CommandSpec spec) {
        for (Setting s : Setting.values()) {
            if (s.flag() == null) {
                continue;
            }
            String dflt = s.defaultValue().isEmpty() ? "unset" : s.defaultValue();
            spec.addOption(OptionSpec.builder(s.flag())
                    .paramLabel("<" + s.typeName() + ">")
                    .type(String.class)
                    .description(s.description() + " Env " + s.env() + ", omni.yaml " + s.key() + ", default "
                            + dflt + ".")
                    .build());
        }
        spec.usageMessage().footer(secretsFooter()
                + "%nPrecedence: flag > environment variable > omni.yaml (working directory or --config) > default.");
    }

    /** The settings of a parsed command: its flags, then the environment, then the config file, then defaults. */
    public static Settings load(CommandSpec spec, Path configFile) throws SettingsException {
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        ParseResult parsed = spec.commandLine().getParseResult();
        for (Setting s : Setting.values()) {
            if (s.flag() != null && parsed.hasMatchedOption(s.flag())) {
                flags.put(s, parsed.matchedOptionValue(s.flag(), ""));
            }
        }
        return Settings.load(flags, System.getenv(), configFile);
    }

    /** The secrets, which have no flag, for the help footer. */
    static String secretsFooter() {
        StringBuilder sb = new StringBuilder("%nSecrets (environment or omni.yaml only, never a flag):%n");
        for (Setting s : Setting.values()) {
            if (s.flag() == null) {
                sb.append("  ").append(s.env()).append(" / ").append(s.key()).append(": ")
                        .append(s.description().replace("%", "%%")).append("%n");
            }
        }
        return sb.toString();
    }
}
