package omni.bus;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedisTargetTest {

    @ParameterizedTest
    @CsvSource({
            "redis://127.0.0.1:16379,                 redis://127.0.0.1:16379",
            "redis://cache.local,                     redis://cache.local:6379",
            "redis://:pa55word@127.0.0.1:16379,       redis://127.0.0.1:16379",
            "redis://omni:pa55word@127.0.0.1:16379/2, redis://127.0.0.1:16379/2",
            "rediss://omni:pa55word@cache.local:6380, rediss://cache.local:6380",
    })
    void displaysTheTargetWithoutCredentials(String url, String display) {
        RedisTarget target = RedisTarget.parse(url, null);
        assertThat(target.display(), is(display));
        assertThat(target.toString(), not(containsString("pa55word")));
    }

    @ParameterizedTest
    @CsvSource({
            "http://127.0.0.1:16379,      redis:// or rediss://",
            "redis:///0,                  no host",
            "redis://:pa55word@h:1/x,     database number",
            "'redis://h:1 2',             not a URL",
    })
    void rejectsMalformedUrlsNamingTheSettingButNotThePassword(String url, String complaint) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisTarget.parse(url, null));
        assertThat(e.getMessage(), containsString("OMNI_REDIS_URL"));
        assertThat(e.getMessage(), containsString(complaint));
        assertThat(e.getMessage(), not(containsString("pa55word")));
    }
}
