package omni.bus;

import java.nio.charset.StandardCharsets;

/** One immutable event, shared by every subscriber; its JSON is encoded once, by whichever reader needs it first. */
public abstract sealed class BusEvent permits BusEvent.Commit, BusEvent.Checkpoint, BusEvent.State {
    public static final String COMMIT_TYPE = "transaction.commit";
    public static final String CHECKPOINT_TYPE = "checkpoint.created";
    public static final String STATE_TYPE = "bus.state";

    /** Set once; two readers racing both compute the same bytes, which is cheaper than a lock on every read. */
    private volatile byte[] json;

    /** The event name: SSE {@code event:}, and the Redis stream and channel after the key prefix. */
    public abstract String type();

    /** The event's JSON as docs/events.md defines it (UTF-8). */
    public final byte[] json() {
        byte[] bytes = json;
        if (bytes == null) {
            bytes = encode();
            json = bytes;
        }
        return bytes;
    }

    abstract byte[] encode();

    /** {@code transaction.commit}: the committed positions first..last and their ids. */
    public static final class Commit extends BusEvent {
        private final long firstPosition;
        private final long lastPosition;
        private final byte[] ids;

        /** Takes ownership of {@code ids} (32 bytes per position, first..last). */
        Commit(long firstPosition, long lastPosition, byte[] ids) {
            if (firstPosition < 1 || lastPosition < firstPosition
                    || ids.length != (lastPosition - firstPosition + 1) * CommitJson.ID_SIZE) {
                throw new IllegalArgumentException("commit event positions " + firstPosition + ".." + lastPosition
                        + " with " + ids.length + " id bytes");
            }
            this.firstPosition = firstPosition;
            this.lastPosition = lastPosition;
            this.ids = ids;
        }

        @Override
        public String type() {
            return COMMIT_TYPE;
        }

        public long firstPosition() {
            return firstPosition;
        }

        public long lastPosition() {
            return lastPosition;
        }

        public long count() {
            return lastPosition - firstPosition + 1;
        }

        /** The id of {@code position} (within first..last) copied into {@code out} at {@code outOffset}. */
        public void id(long position, byte[] out, int outOffset) {
            if (position < firstPosition || position > lastPosition) {
                throw new IllegalArgumentException("position " + position + " outside " + firstPosition + ".." + lastPosition);
            }
            System.arraycopy(ids, (int) (position - firstPosition) * CommitJson.ID_SIZE, out, outOffset, CommitJson.ID_SIZE);
        }

        /** The same event restricted to positions {@code from..lastPosition}. */
        Commit from(long from) {
            if (from == firstPosition) {
                return this;
            }
            int offset = (int) (from - firstPosition) * CommitJson.ID_SIZE;
            byte[] tail = java.util.Arrays.copyOfRange(ids, offset, ids.length);
            return new Commit(from, lastPosition, tail);
        }

        @Override
        byte[] encode() {
            return CommitJson.encode(firstPosition, lastPosition, ids);
        }
    }

    /** {@code checkpoint.created}: the checkpoint object exactly as the proof part wrote it. */
    public static final class Checkpoint extends BusEvent {
        private final long seq;

        Checkpoint(long seq, String checkpointJson) {
            if (seq < 1 || checkpointJson == null || checkpointJson.isEmpty()) {
                throw new IllegalArgumentException("checkpoint event seq " + seq + " json " + checkpointJson);
            }
            this.seq = seq;
            super.json = checkpointJson.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String type() {
            return CHECKPOINT_TYPE;
        }

        public long seq() {
            return seq;
        }

        @Override
        byte[] encode() {
            throw new IllegalStateException("checkpoint JSON is given at construction");
        }
    }

    /** {@code bus.state}: local only (console, SSE); never sent to Redis. */
    public static final class State extends BusEvent {
        private final BusState state;

        State(BusState state) {
            this.state = state;
        }

        @Override
        public String type() {
            return STATE_TYPE;
        }

        public BusState state() {
            return state;
        }

        @Override
        byte[] encode() {
            return state.toJson().getBytes(StandardCharsets.UTF_8);
        }
    }
}
