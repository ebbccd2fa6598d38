package omni.console;

import omni.ledger.Engine;
import omni.proof.CheckpointStore;
import omni.proof.Prover;
import omni.proof.TransferLookup;

/**
 * What the console reads, the same objects the API services read: the engine (readiness, committed position,
 * kernel state), the checkpoints, the transfer lookup and the prover.
 */
public record ConsoleSource(Engine engine, CheckpointStore checkpoints, TransferLookup lookup, Prover prover,
                            long checkpointIntervalMs) {
}
