package omni.console;

import java.util.function.LongSupplier;

import omni.ledger.Ledger;

/**
 * What the console reads: the same {@link Ledger} records the API answers, plus the committed position (for the
 * checkpoint lag) and the sealing interval (for the stale warning).
 */
public record ConsoleSource(Ledger ledger, LongSupplier committedPosition, long checkpointIntervalMs) {
}
