package io.edgeproxy.adapters.postgres.internal;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One connection that has run {@code LISTEN edgeproxy_backends}: {@link #await} blocks its
 * thread (the sync thread, never an event loop) until the trigger reports a change or the wait
 * ends. Not thread-safe, except {@link #abort()}, which any thread may call to end a wait at once.
 */
final class ChangeListener implements AutoCloseable {

    private final Connection connection;
    private final PGConnection pg;

    private ChangeListener(Connection connection) throws SQLException {
        this.connection = connection;
        this.pg = connection.unwrap(PGConnection.class);
    }

    /** Takes {@code connection} over and listens on it; closes it when that fails. */
    static ChangeListener listen(Connection connection, int queryTimeoutSeconds) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.setQueryTimeout(queryTimeoutSeconds);
            st.execute("LISTEN " + Schema.CHANNEL);
            return new ChangeListener(connection);
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /**
     * @return whether at least one change was reported within {@code timeoutMillis}; every
     *         pending notification is consumed, since one reload covers them all
     * @throws SQLException when the connection is lost
     */
    boolean await(long timeoutMillis) throws SQLException {
        int wait = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeoutMillis));
        PGNotification[] notifications = pg.getNotifications(wait);
        return notifications != null && notifications.length > 0;
    }

    /** @return whether the server still answers, within {@code timeoutSeconds} */
    boolean isAlive(int timeoutSeconds) throws SQLException {
        return connection.isValid(timeoutSeconds);
    }

    /** Closes the socket under a running {@link #await} so that it fails at once. Any thread. */
    void abort() {
        try {
            connection.abort(Runnable::run);
        } catch (SQLException ignored) {
            // already closed: nothing left to end
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // the connection is broken anyway; closing is best effort
        }
    }
}
