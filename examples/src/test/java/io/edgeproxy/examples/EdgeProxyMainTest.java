package io.edgeproxy.examples;

import io.edgeproxy.examples.EdgeProxyMain.Launch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EdgeProxyMainTest {

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    private String savedLogLevel;

    @TempDir
    Path dir;

    @BeforeEach
    void saveLogLevel() {
        savedLogLevel = System.getProperty("org.slf4j.simpleLogger.defaultLogLevel");
    }

    @AfterEach
    void restoreLogLevel() {
        if (savedLogLevel == null) {
            System.clearProperty("org.slf4j.simpleLogger.defaultLogLevel");
        } else {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", savedLogLevel);
        }
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * {@link EdgeProxyMain#start} then, should the proxy be running, stops it and answers -1: a
     * test expecting an exit status then fails instead of blocking the way {@code run} would.
     */
    private int run(Map<String, String> env, String... args) {
        Launch launch = EdgeProxyMain.start(args, env, out, err);
        if (launch.isRunning()) {
            launch.close();
            return -1;
        }
        return launch.exitCode();
    }

    private static Map<String, String> env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        env.put("EDGEPROXY_EVENT_LOOPS", "1");
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return env;
    }

    private Path toml(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    private static String backendToml(String id, int port) {
        return "[[backends]]\nid = \"" + id + "\"\napp = \"bench\"\nregion = \"sa\"\ncountry = \"BR\"\n"
                + "wg_ip = \"127.0.0.1\"\nport = " + port + "\n";
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        assertThat(EdgeProxyMain.run(new String[] {"--help"}, env(), out, err)).isZero();
        assertThat(out()).startsWith("Usage: edge-proxy [--demo | --help]")
                .contains("EDGEPROXY_LISTEN_ADDR", "EDGEPROXY_REGION", "EDGEPROXY_BINDING_TTL_SECS",
                        "EDGEPROXY_BINDING_GC_INTERVAL_SECS", "EDGEPROXY_EVENT_LOOPS", "EDGEPROXY_CONFIG_PATH", "DEBUG");
        assertThat(err()).isEmpty();

        assertThat(run(env(), "-h")).isZero();
    }

    @Test
    void anUnknownArgumentExitsTwoWithTheUsage() {
        assertThat(EdgeProxyMain.run(new String[] {"--dmeo"}, env(), out, err)).isEqualTo(2);
        assertThat(err()).startsWith("edge-proxy: unknown argument \"--dmeo\"\nUsage: edge-proxy");
        assertThat(out()).isEmpty();
    }

    @Test
    void withoutABackendSourceItExitsTwoSayingHowToConfigureOne() {
        assertThat(run(env())).isEqualTo(2);
        assertThat(err()).startsWith("edge-proxy: no backends configured. Set EDGEPROXY_CONFIG_PATH to a TOML file"
                        + " with one [[backends]] table per backend, for example:\n")
                .contains("    [[backends]]\n    id = \"sa-1\"\n", "    wg_ip = \"10.50.1.1\"\n",
                        "EDGEPROXY_CONFIG_PATH=backends.toml ./edge-proxy", "./edge-proxy --demo");
    }

    @Test
    void aBadVariableExitsTwoNamingItWithoutAStackTrace() {
        assertThat(run(env("EDGEPROXY_BINDING_TTL_SECS", "ten"))).isEqualTo(2);
        assertThat(err()).isEqualTo("edge-proxy: EDGEPROXY_BINDING_TTL_SECS must be a positive integer, but was \"ten\"\n");
    }

    @Test
    void aValueBeyondItsComponentsLimitIsOneLineNotAStackTrace() {
        assertThat(run(env("EDGEPROXY_BINDING_TTL_SECS", "31536001"))).isEqualTo(2);
        assertThat(err()).isEqualTo("edge-proxy: EDGEPROXY_BINDING_TTL_SECS \"31536001\" is refused: bindingTtl must be"
                + " at most PT8760H, but was PT8760H1S\n");
    }

    @Test
    void aPartThatIsNotBuiltYetStopsStartupWhenSwitchedOn() {
        assertThat(run(env("EDGEPROXY_TLS_ENABLED", "true", "EDGEPROXY_TLS_CERT", "/etc/ssl/edgeproxy.crt"))).isEqualTo(2);
        assertThat(err()).startsWith("edge-proxy: EDGEPROXY_TLS_ENABLED=true: TLS termination is not built yet");
    }

    @Test
    void aConfigPathThatIsADirectoryIsSaidInPlainWords(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        assertThat(run(env("EDGEPROXY_CONFIG_PATH", dir.toString(), "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0"))).isEqualTo(2);
        assertThat(err()).isEqualTo("edge-proxy: EDGEPROXY_CONFIG_PATH " + dir + " is a directory, not a file\n");
    }

    @Test
    void everyBadVariableIsPrintedOnItsOwnLine() {
        assertThat(run(env("EDGEPROXY_BINDING_TTL_SECS", "ten", "EDGEPROXY_LISTEN_ADDR", "8080"), "--demo")).isEqualTo(2);
        assertThat(err()).isEqualTo(
                "edge-proxy: EDGEPROXY_LISTEN_ADDR must be host:port such as 0.0.0.0:8080 or [::]:8080, but was \"8080\"\n"
                        + "edge-proxy: EDGEPROXY_BINDING_TTL_SECS must be a positive integer, but was \"ten\"\n");
    }

    @Test
    void aMissingConfigFileExitsTwo() {
        Path missing = dir.resolve("nope.toml");
        assertThat(run(env("EDGEPROXY_CONFIG_PATH", missing.toString()))).isEqualTo(2);
        assertThat(err()).isEqualTo("edge-proxy: EDGEPROXY_CONFIG_PATH " + missing + " does not exist\n");
    }

    @Test
    void aBadConfigFileExitsTwoWithFileLineBackendAndKey() throws Exception {
        Path file = toml("backends.toml", backendToml("sa-1", 70000));

        assertThat(run(env("EDGEPROXY_CONFIG_PATH", file.toString()))).isEqualTo(2);
        assertThat(err()).isEqualTo("edge-proxy: " + file + ":7: [[backends]] #1 (id \"sa-1\"): port must be an integer"
                + " from 1 to 65535, but was 70000\n");
    }

    @Test
    void aConfigFileWithoutBackendsExitsTwo() throws Exception {
        Path file = toml("empty.toml", "# nothing here yet\n");

        assertThat(run(env("EDGEPROXY_CONFIG_PATH", file.toString()))).isEqualTo(2);
        assertThat(err()).startsWith("edge-proxy: " + file + " (EDGEPROXY_CONFIG_PATH) defines no backends; add one"
                + " [[backends]] table per backend, for example:\n");
    }

    @Test
    void debugSetsTheSimpleLoggerLevelProperty() {
        System.clearProperty("org.slf4j.simpleLogger.defaultLogLevel");
        run(env("DEBUG", "yes", "EDGEPROXY_EVENT_LOOPS", "zero"));
        assertThat(System.getProperty("org.slf4j.simpleLogger.defaultLogLevel")).isEqualTo("debug");

        System.clearProperty("org.slf4j.simpleLogger.defaultLogLevel");
        run(env("DEBUG", "0", "EDGEPROXY_EVENT_LOOPS", "zero"));
        assertThat(System.getProperty("org.slf4j.simpleLogger.defaultLogLevel")).isNull();
    }

    @Test
    void theStandaloneProxyRelaysToTheBackendsOfItsFile() throws Exception {
        try (EchoServer backend = new EchoServer()) {
            Path file = toml("backends.toml", backendToml("echo-1", backend.port()));
            try (Launch launch = EdgeProxyMain.start(new String[0],
                    env("EDGEPROXY_CONFIG_PATH", file.toString(), "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0",
                            "EDGEPROXY_REGION", "eu"), out, err)) {
                assertThat(launch.isRunning()).as(err()).isTrue();
                assertThat(launch.proxy().routing().localRegion().value()).isEqualTo("eu");
                assertThat(echo(launch.proxy().localAddress(), "ping")).isEqualTo("ping");
                assertThat(launch.proxy().backends().all()).extracting(b -> b.id()).containsExactly("echo-1");
            }
        }
    }

    @Test
    void geoTablesOfTheFileRouteClientsToTheirRegion() throws Exception {
        try (EchoServer sa = new EchoServer(); EchoServer eu = new EchoServer()) {
            Path file = toml("geo.toml", String.join("\n",
                    "[[backends]]", "id = 'sa-1'", "app = 'api'", "region = 'sa'", "country = 'BR'",
                    "wg_ip = '127.0.0.1'", "port = " + sa.port(),
                    "[[backends]]", "id = 'eu-1'", "app = 'api'", "region = 'eu'", "country = 'DE'",
                    "wg_ip = '127.0.0.1'", "port = " + eu.port(),
                    "[[geo]]", "cidr = '127.0.0.2/32'", "country = 'DE'"));
            try (Launch launch = EdgeProxyMain.start(new String[0],
                    env("EDGEPROXY_CONFIG_PATH", file.toString(), "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0"), out, err)) {
                assertThat(launch.isRunning()).as(err()).isTrue();
                try (Socket s = new Socket()) {
                    s.bind(new java.net.InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
                    s.connect(launch.proxy().localAddress(), 5_000);
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write('x');
                    assertThat(s.getInputStream().read()).isEqualTo('x');
                }
                // A client in DE goes to the eu backend although this proxy's region is sa.
                assertThat(eu.connections()).isEqualTo(1);
                assertThat(sa.connections()).isZero();
            }
        }
    }

    @Test
    void twoStandaloneProxiesRunSideBySideEachWithItsOwnFile() throws Exception {
        // The bench harness runs one process per target; here two launches in one JVM, same idea.
        try (EchoServer a = new EchoServer(); EchoServer b = new EchoServer()) {
            Path fileA = toml("a.toml", backendToml("a", a.port()));
            Path fileB = toml("b.toml", backendToml("b", b.port()));
            try (Launch first = EdgeProxyMain.start(new String[0],
                    env("EDGEPROXY_CONFIG_PATH", fileA.toString(), "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0"), out, err);
                 Launch second = EdgeProxyMain.start(new String[0],
                         env("EDGEPROXY_CONFIG_PATH", fileB.toString(), "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0"), out, err)) {
                assertThat(first.isRunning() && second.isRunning()).as(err()).isTrue();

                assertThat(echo(first.proxy().localAddress(), "to a")).isEqualTo("to a");
                assertThat(echo(second.proxy().localAddress(), "to b")).isEqualTo("to b");
                assertThat(a.connections()).isEqualTo(1);
                assertThat(b.connections()).isEqualTo(1);
            }
        }
    }

    @Test
    void aListenAddressInUseExitsOneSayingSo() throws Exception {
        try (EchoServer backend = new EchoServer(); ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path file = toml("backends.toml", backendToml("echo-1", backend.port()));
            String address = "127.0.0.1:" + taken.getLocalPort();

            assertThat(run(env("EDGEPROXY_CONFIG_PATH", file.toString(), "EDGEPROXY_LISTEN_ADDR", address))).isEqualTo(1);
            assertThat(err()).startsWith("edge-proxy: cannot listen on " + address + " (EDGEPROXY_LISTEN_ADDR): ")
                    .containsPattern("already in use; another process listens there: stop it, or set"
                            + " EDGEPROXY_LISTEN_ADDR to a free address, e\\.g\\. EDGEPROXY_LISTEN_ADDR=127\\.0\\.0\\.1:(\\d+)\n$");
            int suggested = Integer.parseInt(err().replaceAll("(?s).*127\\.0\\.0\\.1:(\\d+)\n$", "$1"));
            assertThat(suggested).isGreaterThan(taken.getLocalPort());
            try (ServerSocket free = new ServerSocket(suggested, 50, InetAddress.getLoopbackAddress())) {
                assertThat(free.getLocalPort()).isEqualTo(suggested);
            }
        }
    }

    @Test
    void aPortHeldWithReusePortByAnotherProcessIsNotSilentlyShared() throws Exception {
        // Another edge-proxy on the same port would bind it with SO_REUSEPORT too, and the kernel would
        // split the clients between the two: the launcher must refuse instead.
        try (EchoServer backend = new EchoServer(); ServerSocketChannel other = ServerSocketChannel.open()) {
            other.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            other.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) other.getLocalAddress()).getPort();
            Path file = toml("backends.toml", backendToml("echo-1", backend.port()));

            assertThat(run(env("EDGEPROXY_CONFIG_PATH", file.toString(), "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:" + port)))
                    .isEqualTo(1);
            assertThat(err()).contains("cannot listen on 127.0.0.1:" + port, "already in use");
        }
    }

    @Test
    void theDemoStartsFromTheCommandLineAndPrintsWhatToTry() throws Exception {
        try (Launch launch = EdgeProxyMain.start(new String[] {"--demo"},
                env("EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0", "EDGEPROXY_CONFIG_PATH", "ignored.toml"), out, err)) {
            assertThat(launch.isRunning()).as(err()).isTrue();
            int port = launch.proxy().localAddress().getPort();

            assertThat(out()).contains("curl --interface 127.0.0.2 http://127.0.0.1:" + port + "/");
            assertThat(err()).contains("--demo ignores EDGEPROXY_CONFIG_PATH (ignored.toml)");
            assertThat(Http.get(launch.proxy().localAddress(), "127.0.0.2", "/")).contains("(region eu, country DE)");
        }
    }

    @Test
    void theDemoOnAPortInUseExitsOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertThat(run(env("EDGEPROXY_LISTEN_ADDR", "127.0.0.1:" + taken.getLocalPort()), "--demo")).isEqualTo(1);
            assertThat(err()).startsWith("edge-proxy: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    private static String echo(InetSocketAddress proxy, String text) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(proxy, 10_000);
            s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A TCP echo server on 127.0.0.1 that echoes until EOF, one thread per connection. */
    private static final class EchoServer implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        private final Thread acceptor = new Thread(this::acceptLoop, "echo-acceptor");

        EchoServer() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int connections() {
            return connections.get();
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    Thread t = new Thread(() -> echo(s), "echo");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private static void echo(Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream o = s.getOutputStream()) {
                in.transferTo(o);
            } catch (IOException ignored) {
                // the client went away
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
