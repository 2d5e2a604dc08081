package io.edgeproxy.adapters.postgres;

import io.edgeproxy.adapters.postgres.testing.TestPostgres;
import io.edgeproxy.domain.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

class PostgresBackendRepositoryTest {

    /** The DDL of the documentation, verbatim, as an operator would have run it by hand. */
    private static final String SEED_DDL = """
            CREATE TABLE backends (
                id TEXT PRIMARY KEY,
                app TEXT NOT NULL,
                region TEXT NOT NULL,
                country TEXT NOT NULL,
                wg_ip TEXT NOT NULL,
                port INTEGER NOT NULL,
                healthy INTEGER NOT NULL DEFAULT 1,
                weight INTEGER NOT NULL DEFAULT 1,
                soft_limit INTEGER NOT NULL DEFAULT 100,
                hard_limit INTEGER NOT NULL DEFAULT 150,
                deleted INTEGER NOT NULL DEFAULT 0,
                created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
                updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
            );

            CREATE INDEX idx_backends_healthy ON backends(healthy) WHERE deleted = 0;
            CREATE INDEX idx_backends_region ON backends(region) WHERE deleted = 0;
            """;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private PostgresBackendRepository open(String url) {
        PostgresBackendRepository repo = new PostgresBackendRepository(PostgresConfig.of(url));
        toClose.add(repo);
        return repo;
    }

    private static Backend backend(String id, int port) {
        return Backend.builder(id).app("api").region("sa").country("BR").address("10.50.1.1").port(port).build();
    }

    @Test
    void createsTheSchemaAndCreatingItAgainChangesNothing() throws SQLException {
        String url = TestPostgres.newDatabase();
        open(url).initialize();
        PostgresBackendRepository second = open(url);
        second.initialize();
        second.initialize();

        assertThat(indexesOfBackends(url)).containsExactlyInAnyOrder("backends_pkey", "idx_backends_healthy",
                "idx_backends_region");
        assertThat(count(url, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'backends'::regclass AND NOT tgisinternal"))
                .isEqualTo(1);
    }

    @Test
    void usesATableSomeoneElseCreatedWithTheDocumentedDdl() {
        String url = TestPostgres.newDatabase();
        TestPostgres.execute(url, SEED_DDL);
        TestPostgres.execute(url, "INSERT INTO backends (id, app, region, country, wg_ip, port) "
                + "VALUES ('sa-1', 'api', 'sa', 'BR', '10.50.1.1', 8080)");

        PostgresBackendRepository repo = open(url);
        repo.initialize();
        repo.startSync();

        assertThat(repo.all()).containsExactly(backend("sa-1", 8080));
    }

    @Test
    void writesAreReadBackAndMaintainUpdatedAt() throws SQLException {
        String url = TestPostgres.newDatabase();
        PostgresBackendRepository repo = open(url);
        repo.initialize();

        repo.register(backend("sa-1", 8080));
        repo.register(backend("sa-2", 8081));
        assertThat(repo.reload()).isTrue();
        assertThat(repo.all()).extracting(Backend::id).containsExactly("sa-1", "sa-2");
        Timestamp registered = updatedAt(url, "sa-1");

        assertThat(repo.updateHealth("sa-1", false)).isTrue();
        assertThat(repo.updateWeight("sa-1", 3)).isTrue();
        assertThat(repo.updateLimits("sa-1", 10, 20)).isTrue();
        repo.reload();
        assertThat(repo.byId("sa-1")).contains(backend("sa-1", 8080).toBuilder()
                .healthy(false).weight(3).softLimit(10).hardLimit(20).build());
        assertThat(repo.healthy()).extracting(Backend::id).containsExactly("sa-2");
        assertThat(updatedAt(url, "sa-1")).isAfter(registered);

        assertThat(repo.softDelete("sa-2")).isTrue();
        assertThat(repo.softDelete("sa-2")).isFalse();
        assertThat(repo.updateHealth("sa-2", true)).as("a deleted backend is not updated").isFalse();
        repo.reload();
        assertThat(repo.all()).extracting(Backend::id).containsExactly("sa-1");
        assertThat(count(url, "SELECT count(*) FROM backends WHERE id = 'sa-2' AND deleted = 1")).isEqualTo(1);

        repo.register(backend("sa-2", 9000));
        repo.reload();
        assertThat(repo.byId("sa-2")).as("registering again revives it").contains(backend("sa-2", 9000));
    }

    @Test
    void theVersionChangesOnlyWhenTheContentDoes() {
        String url = TestPostgres.newDatabase();
        PostgresBackendRepository repo = open(url);
        repo.initialize();
        assertThat(repo.version()).isZero();

        repo.register(backend("sa-1", 8080));
        assertThat(repo.reload()).isTrue();
        long v1 = repo.version();
        List<Backend> all = repo.all();

        repo.updateWeight("sa-1", 1);
        assertThat(repo.reload()).isFalse();
        assertThat(repo.version()).isEqualTo(v1);
        assertThat(repo.all()).isSameAs(all);

        repo.updateWeight("sa-1", 2);
        assertThat(repo.reload()).isTrue();
        assertThat(repo.version()).isGreaterThan(v1);
    }

    @Test
    void skipsRowsThatAreNotValidBackendsAndKeepsTheOthers() {
        String url = TestPostgres.newDatabase();
        PostgresBackendRepository repo = open(url);
        repo.initialize();
        repo.register(backend("sa-1", 8080));
        TestPostgres.execute(url, "INSERT INTO backends (id, app, region, country, wg_ip, port) "
                + "VALUES ('bad-port', 'api', 'sa', 'BR', '10.50.1.2', 0), "
                + "('bad-ip', 'api', 'sa', 'BR', 'not-an-ip', 80)");

        repo.reload();

        assertThat(repo.all()).extracting(Backend::id).containsExactly("sa-1");
    }

    @Test
    void readsNeedNoDatabaseBeforeAnythingIsLoaded() {
        PostgresBackendRepository repo = open("postgres://u:p@127.0.0.1:1/none");
        assertThat(repo.all()).isEmpty();
        assertThat(repo.byId("x")).isEmpty();
        assertThat(repo.version()).isZero();
        assertThatThrownBy(repo::startSync).isInstanceOf(IllegalStateException.class)
                .hasMessage("call initialize() before startSync()");
    }

    @Test
    void anUnreachableDatabaseFailsInitializeNamingTheUrlWithoutThePassword() {
        PostgresBackendRepository repo = new PostgresBackendRepository(PostgresConfig.builder(
                "postgres://edgeproxy:Sup3rSecret@127.0.0.1:1/edgeproxy").connectTimeout(java.time.Duration.ofSeconds(1)).build());
        toClose.add(repo);

        assertThatThrownBy(repo::initialize).isInstanceOf(PostgresRepositoryException.class)
                .hasMessageStartingWith("PostgreSQL backend registry: cannot connect to "
                        + "postgres://edgeproxy:***@127.0.0.1:1/edgeproxy: Connection to 127.0.0.1:1 refused")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain("Sup3rSecret"));
    }

    @Test
    void aWrongPasswordFailsInitializeClearlyWithoutThePasswordInMessagesOrLogs() {
        assumeThat(TestPostgres.embedded()).as("needs a server whose authentication the test may configure").isTrue();
        String url = TestPostgres.newDatabase();
        TestPostgres.execute(url, "CREATE ROLE edgeproxy_pw LOGIN PASSWORD 'Right-Pa55'");
        requirePasswordFor(url, "edgeproxy_pw");
        String wrong = url.replace("postgres@", "edgeproxy_pw:Wr0ng-Pa55word@");

        PrintStream originalErr = System.err;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        Throwable thrown;
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
        try {
            PostgresBackendRepository repo = open(wrong);
            thrown = org.assertj.core.api.Assertions.catchThrowable(repo::initialize);
        } finally {
            System.setErr(originalErr);
        }

        assertThat(thrown).isInstanceOf(PostgresRepositoryException.class)
                .hasMessageContaining("cannot connect to postgres://edgeproxy_pw:***@localhost:")
                .hasMessageContaining("password authentication failed for user \"edgeproxy_pw\"");
        assertThat(stackTrace(thrown)).doesNotContain("Wr0ng-Pa55word");
        assertThat(logs.toString(StandardCharsets.UTF_8)).doesNotContain("Wr0ng-Pa55word");

        PostgresBackendRepository right = open(wrong.replace("Wr0ng-Pa55word", "Right-Pa55"));
        right.initialize();
    }

    /** Puts a password rule for {@code role} in front of the embedded server's trust-everyone rules. */
    private static void requirePasswordFor(String url, String role) {
        try (Connection c = TestPostgres.connect(url); Statement st = c.createStatement()) {
            String hbaFile;
            try (ResultSet rs = st.executeQuery("SHOW hba_file")) {
                rs.next();
                hbaFile = rs.getString(1);
            }
            java.nio.file.Path hba = java.nio.file.Path.of(hbaFile);
            String rules = "host all " + role + " 127.0.0.1/32 scram-sha-256\nhost all " + role + " ::1/128 scram-sha-256\n";
            String current = java.nio.file.Files.readString(hba);
            if (!current.startsWith(rules)) {
                java.nio.file.Files.writeString(hba, rules + current);
            }
            st.execute("SELECT pg_reload_conf()");
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private static List<String> indexesOfBackends(String url) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = TestPostgres.connect(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT indexname FROM pg_indexes WHERE tablename = 'backends'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static long count(String url, String sql) throws SQLException {
        try (Connection c = TestPostgres.connect(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Timestamp updatedAt(String url, String id) throws SQLException {
        try (Connection c = TestPostgres.connect(url); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT updated_at FROM backends WHERE id = '" + id + "'")) {
            rs.next();
            return rs.getTimestamp(1);
        }
    }
}
