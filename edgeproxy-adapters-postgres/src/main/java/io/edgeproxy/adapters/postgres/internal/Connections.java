package io.edgeproxy.adapters.postgres.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.postgresql.Driver;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * Opens connections to one database: the HikariCP pool for queries and writes, and single
 * unpooled connections for the change listener, which holds its connection for as long as it
 * listens and must not take one from the pool. Both carry the same driver settings; the password
 * is handed to the driver as a property, never inside a URL.
 */
public final class Connections {

    /** Shown in {@code pg_stat_activity}. */
    static final String APPLICATION_NAME = "edgeproxy";
    private static final String POOL_NAME = "edgeproxy-postgres";
    private static final long HIKARI_DEFAULT_VALIDATION_MILLIS = 5_000;

    private final ConnectionUrl url;
    private final Duration connectTimeout;
    private final Driver driver = new Driver();

    public Connections(ConnectionUrl url, Duration connectTimeout) {
        this.url = url;
        this.connectTimeout = connectTimeout;
    }

    /**
     * Opens the pool, which connects once before it returns.
     *
     * @throws com.zaxxer.hikari.pool.HikariPool.PoolInitializationException when it cannot connect
     */
    public HikariDataSource openPool(int maxConnections, int minConnections) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(POOL_NAME);
        config.setJdbcUrl(url.jdbcUrl());
        config.setUsername(url.user());
        config.setPassword(url.password());
        config.setMaximumPoolSize(maxConnections);
        config.setMinimumIdle(minConnections);
        config.setConnectionTimeout(connectTimeout.toMillis());
        config.setValidationTimeout(Math.min(HIKARI_DEFAULT_VALIDATION_MILLIS, connectTimeout.toMillis()));
        driverProperties().forEach((k, v) -> config.addDataSourceProperty((String) k, v));
        return new HikariDataSource(config);
    }

    /** @return a new connection outside the pool; the caller closes it */
    public Connection openUnpooled() throws SQLException {
        Properties properties = driverProperties();
        if (url.user() != null) {
            properties.setProperty("user", url.user());
        }
        if (url.password() != null) {
            properties.setProperty("password", url.password());
        }
        Connection c = driver.connect(url.jdbcUrl(), properties);
        if (c == null) {
            throw new SQLException("the PostgreSQL driver does not accept " + url.masked());
        }
        return c;
    }

    private Properties driverProperties() {
        long seconds = Math.max(1, (connectTimeout.toMillis() + 999) / 1000);
        Properties p = new Properties();
        p.setProperty("connectTimeout", Long.toString(seconds));
        p.setProperty("loginTimeout", Long.toString(seconds));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", APPLICATION_NAME);
        return p;
    }
}
