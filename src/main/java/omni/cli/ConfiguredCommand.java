package omni.cli;

/**
 * A subcommand that reads the node configuration. {@link Main} gives it one flag per {@link omni.config.Setting}
 * (and it should offer {@code --config FILE}); it reads them with {@link SettingOptions#load}.
 */
public interface ConfiguredCommand {
}
