package io.edgeproxy.examples;

import io.edgeproxy.adapters.postgres.PostgresBackendRepository;
import io.edgeproxy.adapters.postgres.PostgresConfig;
import io.edgeproxy.examples.EdgeProxyMain.Launch;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher and the embedding example route from a real (embedded) PostgreSQL. */
class PostgresLaunchTest {

    private static EmbeddedPostgres server;

    @BeforeAll
    static void startDatabase() throws IOException {
        server = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopDatabase() throws IOException {
        server.close();
    }

    /** @return the URL of a new, empty database, so that tests never see each other's backends */
    private static String newDatabase(String name) throws SQLException {
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return "postgres://postgres@localhost:" + server.getPort() + "/" + name;
    }

    @Test
    void theLauncherRoutesFromPostgresWithoutAConfigFile() throws Exception {
        String url = newDatabase("launcher");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Launch launch = EdgeProxyMain.start(new String[0], Map.of("EDGEPROXY_POSTGRES_ENABLED", "true",
                     "EDGEPROXY_POSTGRES_URL", url, "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0",
                     "EDGEPROXY_EVENT_LOOPS", "1"), System.out, new PrintStream(err, true, StandardCharsets.UTF_8))) {
            assertThat(launch.isRunning()).as(err.toString(StandardCharsets.UTF_8)).isTrue();
            try (Connection c = server.getDatabase("postgres", "launcher").getConnection(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO backends (id, app, region, country, wg_ip, port) VALUES ('pg-1', 'api', 'sa', 'BR', "
                        + "'127.0.0.1', " + backend.getLocalPort() + ")");
            }
            assertThat(greetingThrough(launch.proxy().localAddress(), backend)).isEqualTo("hello");
        }
    }

    @Test
    void theConfigFilesResilienceSectionsApplyInPostgresModeToo() throws Exception {
        String url = newDatabase("sections");
        Path file = Files.createTempFile("edgeproxy", ".toml");
        try {
            Files.writeString(file, "[rate_limit]\nmax_requests = 7\nburst = 3\n");
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try (Launch launch = EdgeProxyMain.start(new String[0], Map.of("EDGEPROXY_POSTGRES_ENABLED", "true",
                    "EDGEPROXY_POSTGRES_URL", url, "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0", "EDGEPROXY_EVENT_LOOPS", "1",
                    "EDGEPROXY_CONFIG_PATH", file.toString(), "EDGEPROXY_RATE_LIMIT_ENABLED", "true"),
                    System.out, new PrintStream(err, true, StandardCharsets.UTF_8))) {
                assertThat(launch.isRunning()).as(err.toString(StandardCharsets.UTF_8)).isTrue();
                assertThat(launch.proxy().rateLimiter().config().maxRequests()).isEqualTo(7);
                assertThat(launch.proxy().rateLimiter().config().burstSize()).isEqualTo(3);
            }
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void watchingTheConfigFileIsRefusedInPostgresMode() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Launch launch = EdgeProxyMain.start(new String[0], Map.of("EDGEPROXY_POSTGRES_ENABLED", "true",
                "EDGEPROXY_POSTGRES_URL", "postgres://postgres@127.0.0.1:1/none", "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0",
                "EDGEPROXY_CONFIG_WATCH_ENABLED", "true"), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(launch.exitCode()).isEqualTo(EdgeProxyMain.EXIT_CONFIG);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(
                "EDGEPROXY_CONFIG_WATCH_ENABLED=true has no effect with EDGEPROXY_POSTGRES_ENABLED=true");
    }

    @Test
    void anUnreachableDatabaseStopsTheLauncherWithoutShowingThePassword() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Launch launch = EdgeProxyMain.start(new String[0], Map.of("EDGEPROXY_POSTGRES_ENABLED", "true",
                "EDGEPROXY_POSTGRES_URL", "postgres://edgeproxy:Sup3rSecret@127.0.0.1:1/edgeproxy",
                "EDGEPROXY_POSTGRES_CONNECT_TIMEOUT_SECS", "1", "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0"),
                System.out, new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(launch.exitCode()).isEqualTo(EdgeProxyMain.EXIT_CANNOT_START);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("edge-proxy: PostgreSQL backend registry: cannot connect to "
                        + "postgres://edgeproxy:***@127.0.0.1:1/edgeproxy: Connection to 127.0.0.1:1 refused")
                .doesNotContain("Sup3rSecret");
    }

    @Test
    void theEmbeddingExampleRegistersItsBackendAndRoutesToIt() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             PostgresBackendRepository repository = new PostgresBackendRepository(PostgresConfig.of(newDatabase("example")));
             EdgeProxy proxy = PostgresExample.start(repository, "127.0.0.1:0", backend.getLocalPort())) {
            assertThat(repository.byId("local-1")).isPresent();
            assertThat(greetingThrough(proxy.localAddress(), backend)).isEqualTo("hello");
        }
    }

    /**
     * Connects through the proxy, lets {@code backend} greet, and returns what the client read;
     * tries again for up to 5 seconds while the proxy has not learnt of the backend yet.
     */
    private static String greetingThrough(InetSocketAddress proxy, ServerSocket backend) throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        backend.setSoTimeout(200);
        while (true) {
            try (Socket client = new Socket()) {
                client.connect(proxy, 5_000);
                client.setSoTimeout(10_000);
                try (Socket accepted = backend.accept(); OutputStream out = accepted.getOutputStream()) {
                    out.write("hello".getBytes(StandardCharsets.US_ASCII));
                }
                return new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            } catch (SocketTimeoutException notRoutedYet) {
                if (System.nanoTime() > deadline) {
                    throw notRoutedYet;
                }
            }
        }
    }
}
