package omni.cli;

import java.util.Map;

import omni.config.Setting;
import omni.config.Settings;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the node tells about its storage (start-up line, /api/v1/node) never carries the URL's credentials. */
class ServeCommandTest {
    @Test
    void storageTargetDropsTheQueryStringThatMayHoldAPassword() throws Exception {
        Settings withQuery = Settings.load(Map.of(Setting.DB_URL,
                "jdbc:postgresql://db:15432/omni?user=omni&password=s3cret"), Map.of(), null);
        assertEquals("db:15432/omni", ServeCommand.storageTarget(withQuery));
        Settings plain = Settings.load(Map.of(Setting.DB_URL, "jdbc:postgresql://db:15432/omni"), Map.of(), null);
        assertEquals("db:15432/omni", ServeCommand.storageTarget(plain));
    }
}
