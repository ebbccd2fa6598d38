package omni.gateway;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import omni.config.Setting;
import omni.config.Settings;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TokenStoreTest {

    @Test
    void configuredAdminTokenWinsAndNoFileIsWritten() throws Exception {
        Path dir = Files.createTempDirectory("omni-tokens");
        TokenStore store = TokenStore.open(dir, "configured-admin-token-0123");
        assertThat(store.adminTokenFile(), is(nullValue()));
        assertThat(Files.exists(dir.resolve(TokenStore.ADMIN_TOKEN_FILE)), is(false));
        assertThat(store.authenticate("configured-admin-token-0123").isAdmin(), is(true));
        assertThat(store.authenticate("configured-admin-token-012"), is(nullValue()));
    }

    @Test
    void generatedAdminTokenIsKeptAcrossStarts() throws Exception {
        Path dir = Files.createTempDirectory("omni-tokens");
        TokenStore first = TokenStore.open(dir, "");
        String token = Files.readString(first.adminTokenFile()).trim();
        assertThat(token.length(), is(43));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(first.adminTokenFile())), is("rw-------"));
        assertThat(TokenStore.open(dir, "").authenticate(token).isAdmin(), is(true));
    }

    @Test
    void revokedTokensStayRevokedAfterReopen() throws Exception {
        Path dir = Files.createTempDirectory("omni-tokens");
        TokenStore store = TokenStore.open(dir, "");
        TokenStore.Created kept = store.create();
        TokenStore.Created revoked = store.create();
        assertThat(store.revoke(revoked.id()), is(true));
        assertThat(store.revoke(revoked.id()), is(false));
        TokenStore reopened = TokenStore.open(dir, "");
        assertThat(reopened.authenticate(kept.token()).tokenId(), is(kept.id()));
        assertThat(reopened.authenticate(revoked.token()), is(nullValue()));
        assertThat(reopened.clients().size(), is(1));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                dir.resolve(TokenStore.CLIENT_TOKENS_FILE))), is("rw-------"));
    }

    @Test
    void damagedFilesStopTheStartWithTheirName() throws Exception {
        Path dir = Files.createTempDirectory("omni-tokens");
        Files.writeString(dir.resolve(TokenStore.ADMIN_TOKEN_FILE), "short\n");
        IOException e = assertThrows(IOException.class, () -> TokenStore.open(dir, ""));
        assertThat(e.getMessage(), containsString(TokenStore.ADMIN_TOKEN_FILE));

        Path other = Files.createTempDirectory("omni-tokens");
        Files.writeString(other.resolve(TokenStore.CLIENT_TOKENS_FILE), "not a token line\n");
        e = assertThrows(IOException.class, () -> TokenStore.open(other, ""));
        assertThat(e.getMessage(), containsString("line 1"));
    }

    @Test
    void startFailsWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            Settings settings = Settings.of(Map.of(Setting.DATA_DIR, Files.createTempDirectory("omni-port").toString(),
                    Setting.HTTP_PORT, Integer.toString(taken.getLocalPort())));
            Gateway gateway = Gateway.builder(settings).build();
            IOException e = assertThrows(IOException.class, gateway::start);
            assertThat(e.getMessage(), containsString("cannot listen on 0.0.0.0:" + taken.getLocalPort()));
        }
    }
}
