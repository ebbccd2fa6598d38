package omni.gateway;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.ledger.AccountView;
import omni.ledger.HistoryPage;
import omni.ledger.Ledger;

/**
 * {@code GET /accounts/{id}} and {@code GET /accounts/{id}/transactions} (newest first, paged by position). The
 * issuer, account 0, exists from genesis; an account never used answers 404 (docs/ledger.md, "Accounts").
 */
public final class AccountService implements HttpService {
    /** Default page of an account's history. */
    public static final int HISTORY_LIMIT_DEFAULT = 50;
    /** Each listed transfer is one storage read; 1,000 keeps a page well under a second. */
    public static final int HISTORY_LIMIT_MAX = 1_000;

    private final Ledger ledger;

    public AccountService(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/accounts/{id}", this::account)
                .get("/accounts/{id}/transactions", this::history);
    }

    private void account(ServerRequest req, ServerResponse res) {
        long id = QueryParams.accountId(req);
        AccountView account = ledger.account(id);
        if (account == null) {
            throw neverUsed(id);
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(LedgerJson.account(account));
    }

    private void history(ServerRequest req, ServerResponse res) {
        long id = QueryParams.accountId(req);
        int limit = (int) QueryParams.queryLong(req, "limit", HISTORY_LIMIT_DEFAULT, 1, HISTORY_LIMIT_MAX);
        long before = QueryParams.queryLong(req, "before", Long.MAX_VALUE, 1, Long.MAX_VALUE);
        HistoryPage page = ledger.history(id, limit, before);
        if (page == null) {
            throw neverUsed(id);
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(LedgerJson.history(page));
    }

    private static ApiException neverUsed(long id) {
        return new ApiException(404, "Not Found", "account " + id + " has no transfers: an account exists from"
                + " its first transfer");
    }
}
