package omni.ledger;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder for outage tests: {@link #cut()} drops every connection and refuses new ones until
 * {@link #restore()}. It listens on a free port of 127.0.0.1 for a port of 127.0.0.1, or on a given address (the
 * root side of a network namespace's link) for a given host and port.
 */
public final class TcpProxy implements AutoCloseable {
    private final InetAddress listenAddress;
    private final String targetHost;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;
    private final int port;

    TcpProxy(int targetPort) throws IOException {
        this(InetAddress.getLoopbackAddress(), "127.0.0.1", targetPort);
    }

    /** Listens on a free port of {@code listenAddress} and forwards every connection to the target. */
    public TcpProxy(InetAddress listenAddress, String targetHost, int targetPort) throws IOException {
        this.listenAddress = listenAddress;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        ServerSocket s = new ServerSocket(0, 0, listenAddress);
        this.port = s.getLocalPort();
        listen(s);
    }

    public int port() {
        return port;
    }

    private void listen(ServerSocket s) {
        server = s;
        Thread.ofVirtual().start(() -> {
            while (!s.isClosed()) {
                try {
                    Socket client = s.accept();
                    Socket target = new Socket(targetHost, targetPort);
                    sockets.add(client);
                    sockets.add(target);
                    pipe(client, target);
                    pipe(target, client);
                } catch (IOException e) {
                    return; // closed by cut() or close()
                }
            }
        });
    }

    private void pipe(Socket from, Socket to) {
        Thread.ofVirtual().start(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // one side closed: close the other below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
    }

    void cut() throws IOException {
        server.close();
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        sockets.clear();
    }

    void restore() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(listenAddress, port));
        listen(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}
