package omni.ledger;

import omni.proof.Proof;

/**
 * The answer to a proof request: the proof of a sealed transfer, or which of the two reasons there is none.
 *
 * @param position the transfer's position, or -1 when {@link State#UNKNOWN}
 * @param proof    the proof when {@link State#SEALED}, else null
 */
public record ProofView(State state, long position, Proof proof) {
    public enum State {
        /** No committed transfer has this id. */
        UNKNOWN,
        /** Committed, not covered by a checkpoint yet: ask again after the next one. */
        NOT_SEALED,
        SEALED
    }

    public ProofView {
        if ((state == State.SEALED) != (proof != null) || (state == State.UNKNOWN) != (position < 0)) {
            throw new IllegalArgumentException("proof view " + state + " at position " + position
                    + (proof == null ? " without" : " with") + " a proof");
        }
    }
}
