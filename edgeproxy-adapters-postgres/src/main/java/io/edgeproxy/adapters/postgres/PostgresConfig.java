package io.edgeproxy.adapters.postgres;

import io.edgeproxy.adapters.postgres.internal.ConnectionUrl;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link PostgresBackendRepository} reaches its database and how often it re-reads it.
 * Immutable and validated when built; {@link #toString()} masks the password.
 *
 * <pre>{@code
 * PostgresConfig config = PostgresConfig.builder("postgres://edgeproxy:secret@postgres:5432/edgeproxy")
 *         .maxConnections(10)
 *         .reloadInterval(Duration.ofSeconds(5))
 *         .build();
 * }</pre>
 *
 * @param url                 {@code postgres://user:password@host:5432/database} (libpq form, also
 *                            {@code postgresql://}) or {@code jdbc:postgresql://host:5432/database?user=..&password=..};
 *                            required
 * @param maxConnections      the most pooled connections (HikariCP {@code maximumPoolSize}). Defaults to 10.
 * @param minConnections      idle connections the pool keeps open (HikariCP {@code minimumIdle}). Defaults to 2.
 * @param connectTimeout      the longest wait for a connection, from the pool or from the server. Defaults to
 *                            5 seconds; at least 250 milliseconds (HikariCP's floor).
 * @param queryTimeout        the longest one statement may run. Defaults to 10 seconds; whole seconds, at least
 *                            1 (JDBC counts it in seconds).
 * @param reloadInterval      how often the live rows are re-read, whatever notifications say: the safety
 *                            net under LISTEN/NOTIFY. Defaults to 5 seconds.
 * @param changeNotifications whether a change is pushed at once by the database (a trigger, LISTEN/NOTIFY on
 *                            one dedicated connection); when off, changes arrive by the periodic reload only.
 *                            Defaults to on.
 */
public record PostgresConfig(String url, int maxConnections, int minConnections, Duration connectTimeout,
                             Duration queryTimeout, Duration reloadInterval, boolean changeNotifications) {

    /** Defaults to 10 connections. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10;
    /** Defaults to 2 connections. */
    public static final int DEFAULT_MIN_CONNECTIONS = 2;
    /** Defaults to 5 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Defaults to 10 seconds. */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(10);
    /** Defaults to 5 seconds. */
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(5);

    private static final Duration MIN_CONNECT_TIMEOUT = Duration.ofMillis(250);
    private static final Duration MAX_TIMEOUT = Duration.ofSeconds(Integer.MAX_VALUE);

    public PostgresConfig {
        ConnectionUrl.parse(url);
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1, but was " + maxConnections);
        }
        if (minConnections < 0) {
            throw new IllegalArgumentException("minConnections must be >= 0, but was " + minConnections);
        }
        if (minConnections > maxConnections) {
            throw new IllegalArgumentException("minConnections must be <= maxConnections (" + maxConnections
                    + "), but was " + minConnections);
        }
        requireBetween(connectTimeout, "connectTimeout", MIN_CONNECT_TIMEOUT, MAX_TIMEOUT);
        requireBetween(queryTimeout, "queryTimeout", Duration.ofSeconds(1), MAX_TIMEOUT);
        if (queryTimeout.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException("queryTimeout must be whole seconds, but was " + queryTimeout);
        }
        requireBetween(reloadInterval, "reloadInterval", Duration.ofMillis(1), MAX_TIMEOUT);
    }

    /** @return the defaults with this URL */
    public static PostgresConfig of(String url) {
        return builder(url).build();
    }

    /** Starts from the defaults with this URL. */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    /** @return a builder holding these values */
    public Builder toBuilder() {
        return new Builder(url).maxConnections(maxConnections).minConnections(minConnections)
                .connectTimeout(connectTimeout).queryTimeout(queryTimeout).reloadInterval(reloadInterval)
                .changeNotifications(changeNotifications);
    }

    /** Masks the password of the URL. */
    @Override
    public String toString() {
        return "PostgresConfig[url=" + ConnectionUrl.maskPasswords(url) + ", maxConnections=" + maxConnections
                + ", minConnections=" + minConnections + ", connectTimeout=" + connectTimeout
                + ", queryTimeout=" + queryTimeout + ", reloadInterval=" + reloadInterval
                + ", changeNotifications=" + changeNotifications + "]";
    }

    private static void requireBetween(Duration value, String name, Duration min, Duration max) {
        Objects.requireNonNull(value, () -> name + " must not be null");
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", but was " + value);
        }
    }

    /** Builds a {@link PostgresConfig}; validation happens in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final String url;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int minConnections = DEFAULT_MIN_CONNECTIONS;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
        private Duration reloadInterval = DEFAULT_RELOAD_INTERVAL;
        private boolean changeNotifications = true;

        private Builder(String url) {
            this.url = url;
        }

        public Builder maxConnections(int value) {
            this.maxConnections = value;
            return this;
        }

        public Builder minConnections(int value) {
            this.minConnections = value;
            return this;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        public Builder queryTimeout(Duration value) {
            this.queryTimeout = value;
            return this;
        }

        public Builder reloadInterval(Duration value) {
            this.reloadInterval = value;
            return this;
        }

        public Builder changeNotifications(boolean value) {
            this.changeNotifications = value;
            return this;
        }

        public PostgresConfig build() {
            return new PostgresConfig(url, maxConnections, minConnections, connectTimeout, queryTimeout,
                    reloadInterval, changeNotifications);
        }
    }
}
