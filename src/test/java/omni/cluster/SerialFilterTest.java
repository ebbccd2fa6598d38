package omni.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.ConnectException;

import com.hazelcast.spi.exception.TargetNotMemberException;
import com.hazelcast.spi.exception.WrongTargetException;
import io.helidon.common.SerializationConfig;
import org.junit.jupiter.api.Test;

/**
 * Helidon's process-wide deserialization filter, as a member's gateway sets it, lets through the exceptions
 * Hazelcast sends Java-serialized in the error response of an operation that failed on another member (allowed in
 * {@code META-INF/helidon/serial-config.properties}): rejected, the error never arrives and the operation waits for
 * Hazelcast's call timeout, which stalled the partition table's repair for a minute after a member was killed.
 */
class SerialFilterTest {
    @Test
    void hazelcastErrorResponsesPassTheFilterAMemberRunsWith() throws Exception {
        SerializationConfig.configureRuntime();
        TargetNotMemberException withCause = new TargetNotMemberException("not a member");
        withCause.initCause(new ConnectException("Connection refused"));
        for (Throwable sent : new Throwable[]{withCause, new WrongTargetException("wrong target")}) {
            Throwable read = roundTrip(sent);
            assertEquals(sent.getClass(), read.getClass());
            assertEquals(sent.getMessage(), read.getMessage());
        }
        assertInstanceOf(ConnectException.class, roundTrip(withCause).getCause());
    }

    private static Throwable roundTrip(Throwable sent) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(sent);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (Throwable) in.readObject();
        }
    }
}
