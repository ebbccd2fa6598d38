package omni.gateway;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import omni.kernel.AccountState;
import omni.kernel.Kernel;
import omni.kernel.TransferBatch;
import omni.ledger.Engine;
import omni.proof.StorageException;

/**
 * {@code GET /accounts/{id}} from the kernel's account table, and {@code GET /accounts/{id}/transactions}
 * (newest first, paged by position) from storage. Balances and seqs come from the in-memory state, which
 * may include transfers whose commit is in flight for a few milliseconds; history lists committed ones.
 */
public final class AccountService implements HttpService {
    /** Default page of an account's history. */
    public static final int HISTORY_LIMIT_DEFAULT = 50;
    /** Each listed transfer is one storage read; 1,000 keeps a page well under a second. */
    public static final int HISTORY_LIMIT_MAX = 1_000;

    private final Engine engine;

    public AccountService(Engine engine) {
        this.engine = engine;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/accounts/{id}", this::account)
                .get("/accounts/{id}/transactions", this::history);
    }

    private void account(ServerRequest req, ServerResponse res) {
        long id = accountId(req);
        AccountState state = new AccountState();
        if (!TransactionService.kernel(engine).account(id, state)) {
            throw new ApiException(404, "Not Found", "account " + id + " has no transfers");
        }
        String json = "{\"id\":" + id + ",\"balance\":" + state.balance + ",\"seq\":" + state.seq
                + ",\"transactions\":" + state.transferCount + "}";
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(json);
    }

    private void history(ServerRequest req, ServerResponse res) throws InterruptedException {
        long id = accountId(req);
        int limit = (int) TransactionService.queryLong(req, "limit", HISTORY_LIMIT_DEFAULT, 1, HISTORY_LIMIT_MAX);
        long before = TransactionService.queryLong(req, "before", Long.MAX_VALUE, 1, Long.MAX_VALUE);
        Kernel kernel = TransactionService.kernel(engine);
        if (!kernel.account(id, new AccountState())) {
            throw new ApiException(404, "Not Found", "account " + id + " has no transfers");
        }
        long[] positions = new long[limit];
        StringBuilder json = new StringBuilder(256 + limit * 400);
        TransferBatch scratch = TransactionService.acquireReadBatch(engine);
        try {
            long beforeCommitted = Math.min(before, engine.committedPosition() + 1);
            int count = engine.store().accountHistory(id, beforeCommitted, limit, positions);
            json.append("{\"account\":").append(id).append(",\"transactions\":[");
            for (int i = 0; i < count; i++) {
                if (!engine.store().readTransfer(positions[i], scratch)) {
                    throw new IllegalStateException("history of account " + id + " lists position " + positions[i]
                            + " that storage does not hold");
                }
                json.append(i == 0 ? "{" : ",{");
                TransactionService.appendTransfer(json, scratch, 0);
                json.append('}');
            }
            json.append("],\"next\":");
            json.append(count == limit ? Long.toString(positions[count - 1]) : "null").append('}');
        } catch (StorageException e) {
            throw TransactionService.unavailable("storage: " + e.getMessage());
        } finally {
            engine.releaseReadBatch(scratch);
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(json.toString());
    }

    /** The {id} path segment: an account id 0..2^63-1 in decimal; 400 otherwise. */
    private static long accountId(ServerRequest req) {
        String text = req.path().pathParameters().get("id");
        long id = TransactionService.parseLong(text);
        if (id < 0) {
            throw new ApiException(400, "Bad Request", "an account id is an integer from 0 to 2^63-1, not " + text);
        }
        return id;
    }
}
