package omni.config;

/** A configuration value that cannot be used; the message names the key, where the value came from and what is accepted. */
public final class SettingsException extends Exception {
    public SettingsException(String message) {
        super(message);
    }
}
