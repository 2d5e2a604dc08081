package io.edgeproxy.infrastructure.pool;

import io.edgeproxy.infrastructure.internal.Checks;

import java.time.Duration;

/**
 * Settings of a {@link ConnectionPool}. Immutable and validated when built.
 *
 * <table>
 *   <caption>Fields, defaults and environment variables</caption>
 *   <tr><th>field</th><th>default</th><th>variable</th></tr>
 *   <tr><td>{@code maxConnectionsPerBackend}</td><td>10</td><td>{@code EDGEPROXY_POOL_MAX_PER_BACKEND}</td></tr>
 *   <tr><td>{@code idleTimeout}</td><td>60 seconds</td><td>{@code EDGEPROXY_POOL_IDLE_TIMEOUT_SECS}</td></tr>
 *   <tr><td>{@code maxLifetime}</td><td>300 seconds</td><td>{@code EDGEPROXY_POOL_MAX_LIFETIME_SECS}</td></tr>
 *   <tr><td>{@code connectTimeout}</td><td>5 seconds</td><td>{@code EDGEPROXY_POOL_CONNECT_TIMEOUT_SECS}</td></tr>
 *   <tr><td>{@code warmConnectionsPerBackend}</td><td>2 (at most {@code maxConnectionsPerBackend})</td><td>-</td></tr>
 * </table>
 * {@code EDGEPROXY_POOL_ENABLED} (default {@code false}) decides whether the proxy keeps warm
 * connections at all.
 *
 * <pre>{@code
 * PoolConfig config = PoolConfig.builder()
 *         .maxConnectionsPerBackend(20).idleTimeout(Duration.ofSeconds(60))
 *         .build();
 * }</pre>
 *
 * @param maxConnectionsPerBackend  connections held to one backend at most (idle, in use and
 *                                  connecting); >= 1. Defaults to 10.
 * @param idleTimeout               an idle connection older than this since its last use is closed;
 *                                  positive. Defaults to 60 seconds.
 * @param maxLifetime               a connection older than this since its connect is closed when next
 *                                  idle; positive. Defaults to 300 seconds.
 * @param connectTimeout            the longest a connect may take, and the longest
 *                                  {@link ConnectionPool#acquire} waits in all; from 1 ms to
 *                                  {@code Integer.MAX_VALUE} ms. Defaults to 5 seconds.
 * @param warmConnectionsPerBackend idle, connected spares kept per backend once warming runs;
 *                                  between 0 and {@code maxConnectionsPerBackend}. Defaults to 2, or
 *                                  {@code maxConnectionsPerBackend} when that is smaller (the builder
 *                                  applies this default).
 */
public record PoolConfig(int maxConnectionsPerBackend, Duration idleTimeout, Duration maxLifetime,
                         Duration connectTimeout, int warmConnectionsPerBackend) {

    /** Connections the pool holds to one backend at most: idle, in use and connecting. Defaults to 10. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_BACKEND = 10;
    /** An idle connection older than this (since its last use) is closed. Defaults to 60 seconds. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** A connection older than this (since its connect) is closed when next idle. Defaults to 300 seconds. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofSeconds(300);
    /**
     * The longest a connect may take, and the longest {@link ConnectionPool#acquire} waits in all.
     * Defaults to 5 seconds.
     */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * Idle, already connected spares kept per backend once {@link ConnectionPool#startWarming} runs;
     * they count against {@link #maxConnectionsPerBackend()}. Defaults to 2, or
     * {@code maxConnectionsPerBackend} when that is smaller.
     */
    public static final int DEFAULT_WARM_CONNECTIONS_PER_BACKEND = 2;

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the first field that is out of range, and its value
     */
    public PoolConfig {
        Checks.requireAtLeast(maxConnectionsPerBackend, 1, "maxConnectionsPerBackend");
        Checks.requirePositive(idleTimeout, "idleTimeout");
        Checks.requirePositive(maxLifetime, "maxLifetime");
        Checks.requirePositive(connectTimeout, "connectTimeout");
        if (connectTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("connectTimeout must be at least 1 ms, but was " + connectTimeout);
        }
        if (connectTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("connectTimeout must be at most " + Integer.MAX_VALUE
                    + " ms, but was " + connectTimeout);
        }
        if (warmConnectionsPerBackend < 0 || warmConnectionsPerBackend > maxConnectionsPerBackend) {
            throw new IllegalArgumentException("warmConnectionsPerBackend must be between 0 and "
                    + "maxConnectionsPerBackend (" + maxConnectionsPerBackend + "), but was "
                    + warmConnectionsPerBackend);
        }
    }

    /** @return the configuration with every default */
    public static PoolConfig ofDefaults() {
        return builder().build();
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this configuration's values */
    public Builder toBuilder() {
        return new Builder().maxConnectionsPerBackend(maxConnectionsPerBackend).idleTimeout(idleTimeout)
                .maxLifetime(maxLifetime).connectTimeout(connectTimeout)
                .warmConnectionsPerBackend(warmConnectionsPerBackend);
    }

    /** Collects settings; {@link #build()} validates them all. Not thread-safe. */
    public static final class Builder {
        private int maxConnectionsPerBackend = DEFAULT_MAX_CONNECTIONS_PER_BACKEND;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private int warmConnectionsPerBackend = UNSET;

        private static final int UNSET = Integer.MIN_VALUE;

        private Builder() {
        }

        /** Connections per backend at most; must be >= 1. Defaults to 10. */
        public Builder maxConnectionsPerBackend(int value) {
            this.maxConnectionsPerBackend = value;
            return this;
        }

        /** Idle time before a connection is closed; must be positive. Defaults to 60 seconds. */
        public Builder idleTimeout(Duration value) {
            this.idleTimeout = value;
            return this;
        }

        /** Age at which a connection is retired; must be positive. Defaults to 300 seconds. */
        public Builder maxLifetime(Duration value) {
            this.maxLifetime = value;
            return this;
        }

        /** Connect timeout, and the longest acquire wait; must be positive. Defaults to 5 seconds. */
        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        /**
         * Warm spares per backend; between 0 and maxConnectionsPerBackend. Defaults to 2, or
         * maxConnectionsPerBackend when that is smaller.
         */
        public Builder warmConnectionsPerBackend(int value) {
            this.warmConnectionsPerBackend = value;
            return this;
        }

        /**
         * @return the validated configuration
         * @throws IllegalArgumentException naming the first field that is out of range, and its value
         */
        public PoolConfig build() {
            int warm = warmConnectionsPerBackend != UNSET ? warmConnectionsPerBackend
                    : Math.max(0, Math.min(DEFAULT_WARM_CONNECTIONS_PER_BACKEND, maxConnectionsPerBackend));
            return new PoolConfig(maxConnectionsPerBackend, idleTimeout, maxLifetime, connectTimeout, warm);
        }
    }
}
