package omni.ledger;

import omni.kernel.Result;
import omni.kernel.TransferBatch;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.sql.SQLException;

/**
 * PostgreSQL's binary COPY format for the transfers table (columns in {@link JdbcStore#TRANSFER_COLUMNS}
 * order): a signature and two zero words, then per row a field count and each field as a length and
 * big-endian bytes, then -1. Writing and reading go through one reused buffer; no object per row is made
 * here (pgjdbc makes one byte[] per row it reads).
 */
final class PgBinaryCopy {
    static final int FIELD_COUNT = 9;
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    /** Signature, flags word, header extension length. */
    private static final int HEADER_SIZE = SIGNATURE.length + 4 + 4;
    /** Field count, nine lengths, six 8-byte numbers, the id, the largest parents and memo an item can carry. */
    static final int ROW_SIZE_MAX = 2 + FIELD_COUNT * 4 + 6 * 8 + TransferBatch.ID_SIZE
            + TransferBatch.PARENT_COUNT_MAX * TransferBatch.ID_SIZE + TransferBatch.MEMO_SIZE_ENCODABLE_MAX;
    /** One CopyData message: about 5,000 typical rows, large enough that message overhead vanishes. */
    static final int BUFFER_SIZE = 1 << 20;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    private final byte[] buffer = new byte[BUFFER_SIZE + ROW_SIZE_MAX];
    private int size;

    /** Writes the ACCEPTED items of the batches as rows to {@code copy}; returns the row count written. */
    long write(CopyIn copy, TransferBatch[] batches, int batchCount) throws SQLException {
        byte accepted = Result.ACCEPTED.code();
        size = 0;
        System.arraycopy(SIGNATURE, 0, buffer, 0, SIGNATURE.length);
        size = HEADER_SIZE;
        INT.set(buffer, SIGNATURE.length, 0);
        INT.set(buffer, SIGNATURE.length + 4, 0);
        long rows = 0;
        for (int b = 0; b < batchCount; b++) {
            TransferBatch batch = batches[b];
            for (int i = 0; i < batch.count; i++) {
                if (batch.result[i] != accepted) {
                    continue;
                }
                if (size > BUFFER_SIZE) {
                    copy.writeToCopy(buffer, 0, size);
                    size = 0;
                }
                putRow(batch, i);
                rows++;
            }
        }
        SHORT.set(buffer, size, (short) -1);
        size += 2;
        copy.writeToCopy(buffer, 0, size);
        return rows;
    }

    private void putRow(TransferBatch batch, int i) {
        SHORT.set(buffer, size, (short) FIELD_COUNT);
        size += 2;
        putLong(batch.position[i]);
        putBytes(batch.id, i * TransferBatch.ID_SIZE, TransferBatch.ID_SIZE);
        putLong(batch.sender[i]);
        putLong(batch.receiver[i]);
        putLong(batch.amount[i]);
        putLong(batch.seq[i]);
        putLong(batch.timestamp[i]);
        putBytes(batch.parents, batch.parentOffset[i], batch.parentCount[i] * TransferBatch.ID_SIZE);
        putBytes(batch.memos, batch.memoOffset[i], batch.memoSize[i]);
    }

    private void putLong(long value) {
        INT.set(buffer, size, 8);
        LONG.set(buffer, size + 4, value);
        size += 12;
    }

    private void putBytes(byte[] source, int offset, int length) {
        INT.set(buffer, size, length);
        System.arraycopy(source, offset, buffer, size + 4, length);
        size += 4 + length;
    }

    /** Reads the rows of one {@code COPY (SELECT <transfer columns> ...) TO STDOUT (FORMAT binary)}. */
    static final class Reader {
        private final CopyOut source;
        private byte[] buffer = new byte[BUFFER_SIZE];
        private int position;
        private int limit;
        private boolean headerRead;

        Reader(CopyOut source) {
            this.source = source;
        }

        /** Appends the next row to {@code out}; false at the end of the data. */
        boolean next(TransferBatch out) throws SQLException {
            short fields = fieldCount();
            if (fields == -1) {
                return false;
            }
            if (fields != FIELD_COUNT) {
                throw new SQLException("COPY row has " + fields + " fields, expected " + FIELD_COUNT);
            }
            // The row's columns arrive in TRANSFER_COLUMNS order: position and id before the numbers.
            long position = readLong();
            int at = out.count * TransferBatch.ID_SIZE;
            readBytes(out.id, at, TransferBatch.ID_SIZE);
            int i = out.add(readLong(), readLong(), readLong(), readLong(), readLong());
            out.position[i] = position;
            int parentsSize = fieldLength();
            // Reserve before naming the array: reserving may replace it with a larger one.
            int parentsOffset = out.reserveParents(i, parentsSize / TransferBatch.ID_SIZE);
            copy(out.parents, parentsOffset, parentsSize);
            int memoSize = fieldLength();
            int memoOffset = out.reserveMemo(i, memoSize);
            copy(out.memos, memoOffset, memoSize);
            return true;
        }

        /**
         * Reads the next row of a {@code COPY (SELECT position, id ...)}: the id into {@code ids} at
         * {@code offset}; returns the position, or -1 at the end of the data.
         */
        long nextPositionAndId(byte[] ids, int offset) throws SQLException {
            short fields = fieldCount();
            if (fields == -1) {
                return -1;
            }
            if (fields != 2) {
                throw new SQLException("COPY row has " + fields + " fields, expected 2 (position, id)");
            }
            long rowPosition = readLong();
            readBytes(ids, offset, TransferBatch.ID_SIZE);
            return rowPosition;
        }

        /** The next row's field count; -1 is the end of the data. */
        private short fieldCount() throws SQLException {
            if (!headerRead) {
                readHeader();
            }
            require(2);
            short fields = (short) SHORT.get(buffer, position);
            position += 2;
            return fields;
        }

        private void readHeader() throws SQLException {
            require(HEADER_SIZE);
            for (int k = 0; k < SIGNATURE.length; k++) {
                if (buffer[position + k] != SIGNATURE[k]) {
                    throw new SQLException("COPY data does not start with the binary signature");
                }
            }
            int extensionSize = (int) INT.get(buffer, position + SIGNATURE.length + 4);
            position += HEADER_SIZE;
            require(extensionSize);
            position += extensionSize;
            headerRead = true;
        }

        private long readLong() throws SQLException {
            int length = fieldLength();
            if (length != 8) {
                throw new SQLException("COPY bigint field of " + length + " bytes");
            }
            long v = (long) LONG.get(buffer, position);
            position += 8;
            return v;
        }

        private void readBytes(byte[] target, int offset, int expected) throws SQLException {
            int length = fieldLength();
            if (length != expected) {
                throw new SQLException("COPY field of " + length + " bytes, expected " + expected);
            }
            copy(target, offset, length);
        }

        private int fieldLength() throws SQLException {
            require(4);
            int length = (int) INT.get(buffer, position);
            position += 4;
            if (length < 0) {
                throw new SQLException("COPY field is NULL where the schema says NOT NULL");
            }
            require(length);
            return length;
        }

        private void copy(byte[] target, int offset, int length) {
            System.arraycopy(buffer, position, target, offset, length);
            position += length;
        }

        /** Makes {@code n} bytes available from {@code position}, pulling CopyData messages as needed. */
        private void require(int n) throws SQLException {
            while (limit - position < n) {
                byte[] message = source.readFromCopy();
                if (message == null) {
                    throw new SQLException("COPY data ended inside a row");
                }
                if (position > 0) {
                    System.arraycopy(buffer, position, buffer, 0, limit - position);
                    limit -= position;
                    position = 0;
                }
                if (limit + message.length > buffer.length) {
                    buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, limit + message.length));
                }
                System.arraycopy(message, 0, buffer, limit, message.length);
                limit += message.length;
            }
        }
    }
}
