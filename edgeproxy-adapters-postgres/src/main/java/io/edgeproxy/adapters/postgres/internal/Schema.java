package io.edgeproxy.adapters.postgres.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The {@code backends} table of the documentation, its two partial indexes, and the trigger that
 * tells listening proxies about every change ({@code NOTIFY edgeproxy_backends}).
 *
 * <p>Idempotent, and safe when many proxies start at once: everything runs in one transaction
 * under a transaction-scoped advisory lock, and only what is missing is created, so a table that
 * someone else made with the same DDL is used as it is.
 */
public final class Schema {

    /** The channel the trigger notifies; the payload is empty (a change means "reload"). */
    public static final String CHANNEL = "edgeproxy_backends";

    /** Any constant both sides agree on; serializes concurrent {@link #create} calls. */
    private static final long LOCK_KEY = 0x6564676570_726fL;

    static final String TABLE = """
            CREATE TABLE IF NOT EXISTS backends (
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
            )""";

    private static final String[] INDEXES = {
        "CREATE INDEX IF NOT EXISTS idx_backends_healthy ON backends(healthy) WHERE deleted = 0",
        "CREATE INDEX IF NOT EXISTS idx_backends_region ON backends(region) WHERE deleted = 0",
    };

    private static final String NOTIFY_FUNCTION = """
            CREATE OR REPLACE FUNCTION edgeproxy_backends_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('%s', '');
                RETURN NULL;
            END
            $$""".formatted(CHANNEL);

    private static final String TRIGGER_EXISTS = """
            SELECT 1 FROM pg_trigger
            WHERE tgname = 'edgeproxy_backends_changed' AND tgrelid = 'backends'::regclass""";

    private static final String TRIGGER = """
            CREATE TRIGGER edgeproxy_backends_changed
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON backends
            FOR EACH STATEMENT EXECUTE FUNCTION edgeproxy_backends_changed()""";

    private Schema() {
    }

    /** Creates whatever is missing, in one transaction; leaves {@code connection} in auto-commit. */
    public static void create(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        try (Statement st = connection.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
            st.execute(TABLE);
            for (String index : INDEXES) {
                st.execute(index);
            }
            st.execute(NOTIFY_FUNCTION);
            boolean hasTrigger;
            try (ResultSet rs = st.executeQuery(TRIGGER_EXISTS)) {
                hasTrigger = rs.next();
            }
            if (!hasTrigger) {
                st.execute(TRIGGER);
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }
}
