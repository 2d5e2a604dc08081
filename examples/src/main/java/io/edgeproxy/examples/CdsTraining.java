package io.edgeproxy.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The training run behind the class-data sharing (CDS) archive of {@code edge-proxy.jar}: the
 * examples build runs it once, right after the jar is shaded, as
 * {@code java -XX:DumpLoadedClassList=edge-proxy.classlist -cp edge-proxy.jar io.edgeproxy.examples.CdsTraining},
 * then dumps a static archive of the classes listed ({@code java -Xshare:dump
 * -XX:SharedClassListFile=edge-proxy.classlist -XX:SharedArchiveFile=edge-proxy.jsa -cp edge-proxy.jar}),
 * and the {@code ./edge-proxy} launcher starts the JVM with that archive instead of the JDK's
 * default one (see docs/operations.md, "JVM settings").
 *
 * <p>It does what a standalone proxy does in its first seconds, so the classes it loads are the
 * ones worth archiving: reads a TOML file of two backends, starts the proxy exactly as the
 * launcher does ({@link EdgeProxyMain#start}), relays a few connections to two local backends,
 * stops, and exits. Everything listens on 127.0.0.1 ports the system picks. Not part of the
 * launcher's command line.
 *
 * <p>An archive only works with the JVM build that made it and the jar at the path it was made
 * from, so the first argument, when given, names a file that receives three lines: this JVM's
 * {@code java.home}, its {@code java.runtime.version} and the real path of the jar on the class
 * path. The launcher compares them with the java it runs and the jar it starts.
 */
public final class CdsTraining {

    private static final int CONNECTIONS = 200;
    private static final byte[] REQUEST = "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            Files.writeString(Path.of(args[0]), System.getProperty("java.home") + "\n"
                    + System.getProperty("java.runtime.version") + "\n"
                    + Path.of(System.getProperty("java.class.path")).toRealPath() + "\n");
        }
        List<ServerSocket> backends = new ArrayList<>();
        Path config = Files.createTempFile("edgeproxy-cds-training", ".toml");
        try {
            StringBuilder toml = new StringBuilder();
            for (String id : List.of("sa-1", "eu-1")) {
                ServerSocket backend = startBackend();
                backends.add(backend);
                toml.append("[[backends]]\n")
                        .append("id = \"").append(id).append("\"\n")
                        .append("app = \"training\"\n")
                        .append("region = \"").append(id, 0, 2).append("\"\n")
                        .append("country = \"").append(id.startsWith("sa") ? "BR" : "DE").append("\"\n")
                        .append("wg_ip = \"127.0.0.1\"\n")
                        .append("port = ").append(backend.getLocalPort()).append("\n\n");
            }
            Files.writeString(config, toml);
            Map<String, String> env = Map.of(
                    "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0",
                    "EDGEPROXY_CONFIG_PATH", config.toString());
            PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
            EdgeProxyMain.Launch launch = EdgeProxyMain.start(new String[0], env, quiet, System.err);
            if (!launch.isRunning()) {
                throw new IllegalStateException("the training proxy did not start (exit " + launch.exitCode() + ")");
            }
            try {
                InetSocketAddress proxy = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                        launch.proxy().localAddress().getPort());
                for (int i = 0; i < CONNECTIONS; i++) {
                    exchange(proxy);
                }
            } finally {
                launch.close();
            }
        } finally {
            for (ServerSocket backend : backends) {
                backend.close();
            }
            Files.deleteIfExists(config);
        }
        System.exit(0);
    }

    /** A backend that answers every connection with one tiny HTTP response, on a daemon thread. */
    private static ServerSocket startBackend() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.getInputStream().readNBytes(REQUEST.length);
                    s.getOutputStream().write(RESPONSE);
                } catch (IOException e) {
                    // closed at the end of the run, or a client gone: next one
                }
            }
        }, "cds-training-backend");
        t.setDaemon(true);
        t.start();
        return server;
    }

    private static void exchange(InetSocketAddress proxy) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(proxy, 5_000);
            s.setSoTimeout(5_000);
            s.getOutputStream().write(REQUEST);
            InputStream in = s.getInputStream();
            byte[] response = in.readAllBytes();
            if (response.length != RESPONSE.length) {
                throw new IOException("the training proxy answered " + response.length + " bytes, not "
                        + RESPONSE.length);
            }
        }
    }
}
