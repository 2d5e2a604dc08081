package io.edgeproxy.adapters.postgres.testing;

import io.edgeproxy.domain.Backend;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A backend on 127.0.0.1 that answers every connection with its name and closes: what a client
 * reads through the proxy says where it was routed. {@link #via(InetSocketAddress)} is that client.
 */
public final class NamedBackend implements AutoCloseable {

    private final String name;
    private final ServerSocket server;

    private NamedBackend(String name) throws IOException {
        this.name = name;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::serve, "backend-" + name);
        t.setDaemon(true);
        t.start();
    }

    public static NamedBackend start(String name) throws IOException {
        return new NamedBackend(name);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** @return a backend row for this server: app {@code api}, region {@code sa}, country {@code BR} */
    public Backend backend() {
        return Backend.builder(name).app("api").region("sa").country("BR").address("127.0.0.1").port(port()).build();
    }

    /** @return the SQL that inserts this server as a backend, as a third party would write it */
    public String insertSql() {
        return "INSERT INTO backends (id, app, region, country, wg_ip, port) VALUES ('" + name + "', 'api', 'sa', 'BR', "
                + "'127.0.0.1', " + port() + ")";
    }

    /**
     * @return the name of the backend a new connection to {@code proxy} reached, or "" when the
     *         proxy closed it without routing (no backend available)
     */
    public static String via(InetSocketAddress proxy) {
        try (Socket s = new Socket()) {
            s.connect(proxy, 2000);
            s.setSoTimeout(2000);
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "";
        }
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                out.write(name.getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // closed, or a client that went away: keep serving until closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
