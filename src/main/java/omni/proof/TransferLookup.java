package omni.proof;

/**
 * How the proof API finds a committed transfer by id. The integrator implements it from the kernel's
 * id index ({@code Kernel.positionOf}) and the store ({@code Store.readTransfer} then
 * {@link Transfer#fromBatch}).
 */
public interface TransferLookup {
    /** Position of the transfer with this 32-byte id, or -1 if it is unknown. */
    long positionOf(byte[] id) throws StorageException;

    /** The committed transfer at {@code position} (all fields and id), or null if none is committed there. */
    Transfer transferAt(long position) throws StorageException;
}
