package omni.config;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * The README's configuration table is generated from {@link Setting}. When they differ this test fails; run it
 * with {@code -Domni.readme.update=true} to rewrite the table in README.md.
 */
class ReadmeTest {
    static final String BEGIN = "<!-- settings:begin (generated from omni.config.Setting by ReadmeTest) -->\n";
    static final String END = "<!-- settings:end -->";

    @Test
    void configurationTableMatchesTheSettingEnum() throws Exception {
        Path readme = Path.of("README.md");
        String text = Files.readString(readme);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        assertThat("README.md has the settings markers", begin >= 0 && end > begin, is(true));
        String current = text.substring(begin + BEGIN.length(), end);
        String expected = Setting.markdownTable();
        if (!current.equals(expected) && Boolean.getBoolean("omni.readme.update")) {
            Files.writeString(readme, text.substring(0, begin + BEGIN.length()) + expected + text.substring(end));
            return;
        }
        assertThat("README table differs from Setting; rerun with -Domni.readme.update=true", current, is(expected));
    }
}
