package io.edgeproxy.adapters.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.edgeproxy.adapters.postgres.internal.BackendRows;
import io.edgeproxy.adapters.postgres.internal.BackendSnapshot;
import io.edgeproxy.adapters.postgres.internal.ConnectionUrl;
import io.edgeproxy.adapters.postgres.internal.Connections;
import io.edgeproxy.adapters.postgres.internal.Schema;
import io.edgeproxy.adapters.postgres.internal.SyncLoop;
import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.Ticker;
import io.edgeproxy.domain.port.BackendRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The backend registry in PostgreSQL that many proxies, in many regions, route from: the
 * {@code backends} table of the documentation, read into an in-memory snapshot.
 *
 * <p>Reads ({@link #all()}, {@link #byId}, {@link #healthy()}, {@link #version()}) answer from
 * the snapshot and never touch the database, so the event loops never wait on it. The snapshot is
 * replaced whole (one volatile write) by {@link #reload()}, which the sync thread started by
 * {@link #startSync()} runs every {@link PostgresConfig#reloadInterval()} and, with
 * {@link PostgresConfig#changeNotifications()} on, as soon as a trigger on the table sends
 * {@code NOTIFY}. {@link #version()} changes only when the content does.
 *
 * <p>An unreachable database is normal weather: the snapshot stays, the outage is logged once
 * and its end once, the listening connection is reopened with backoff, and a reload catches up
 * when the database is back. Rows that are not valid backends (a bad country, a port of 0) are
 * skipped with one log line naming the id.
 *
 * <p>The writes ({@link #register}, {@link #updateHealth}, {@link #updateWeight},
 * {@link #updateLimits}, {@link #softDelete}) are for the discovery API and operators: they block
 * on the database, so call them off the event loops. Every proxy, this one included, sees their
 * effect through its next reload.
 *
 * <pre>{@code
 * PostgresBackendRepository repo = new PostgresBackendRepository(
 *         PostgresConfig.of("postgres://edgeproxy:secret@postgres:5432/edgeproxy"));
 * repo.initialize();   // connects, creates the schema if needed
 * repo.startSync();    // loads once, then keeps the snapshot current
 * EdgeProxy proxy = EdgeProxy.builder().backendRepository(repo).build().start();
 * // ... on shutdown: proxy.close(); repo.close();
 * }</pre>
 *
 * Thread-safe.
 */
public final class PostgresBackendRepository implements BackendRepository, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresBackendRepository.class);

    private final PostgresConfig config;
    private final ConnectionUrl url;
    private final Connections connections;
    private final BackendRows rows;
    private final Ticker ticker;
    private final Object lifecycle = new Object();
    private final Object reloading = new Object();

    private volatile BackendSnapshot snapshot = BackendSnapshot.EMPTY;
    private volatile HikariDataSource pool;
    /** Guarded by {@link #lifecycle}. */
    private SyncLoop sync;
    /** Guarded by {@link #lifecycle}. */
    private boolean closed;
    /** Ids of rows skipped by the previous reload, so each is logged once; guarded by {@link #reloading}. */
    private Map<String, String> rejected = Map.of();

    /** Connects to nothing yet: see {@link #initialize()}. */
    public PostgresBackendRepository(PostgresConfig config) {
        this(config, Ticker.system());
    }

    /** @param ticker the clock of the reload schedule and of outage durations */
    public PostgresBackendRepository(PostgresConfig config, Ticker ticker) {
        this.config = Objects.requireNonNull(config, "config");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.url = ConnectionUrl.parse(config.url());
        this.connections = new Connections(url, config.connectTimeout());
        this.rows = new BackendRows((int) config.queryTimeout().toSeconds());
    }

    /**
     * Opens the connection pool and creates the schema where it is missing (the table, its
     * indexes, the change trigger); safe to call again, and safe on a table created by hand
     * with the documented DDL.
     *
     * @throws PostgresRepositoryException when the database cannot be reached or refuses the
     *                                     credentials; the message names the URL, password masked
     */
    public void initialize() {
        synchronized (lifecycle) {
            requireOpen();
            if (pool == null) {
                try {
                    pool = connections.openPool(config.maxConnections(), config.minConnections());
                } catch (RuntimeException e) {
                    throw failure("cannot connect to", driverCause(e));
                }
            }
            try (Connection c = pool.getConnection()) {
                Schema.create(c);
            } catch (SQLException e) {
                throw failure("cannot create the schema in", e);
            }
            LOG.info("PostgreSQL backend registry {}: schema ready, pool of {} to {} connections", url,
                    config.minConnections(), config.maxConnections());
        }
    }

    /**
     * Loads the live backends once, then starts the sync thread (reload every interval, and on
     * every change notification). Calling it again does nothing.
     *
     * @throws IllegalStateException       before {@link #initialize()} or after {@link #close()}
     * @throws PostgresRepositoryException when the first load fails
     */
    public void startSync() {
        synchronized (lifecycle) {
            requireOpen();
            if (pool == null) {
                throw new IllegalStateException("call initialize() before startSync()");
            }
            if (sync != null) {
                return;
            }
            reload();
            sync = new SyncLoop(url, this::reloadOrThrow, connections, config.changeNotifications(),
                    (int) config.queryTimeout().toSeconds(), config.reloadInterval(), snapshot.all().size(), ticker);
            sync.start();
            LOG.info("PostgreSQL backend registry {}: {} live backends; reloading every {} ms{}", url,
                    snapshot.all().size(), config.reloadInterval().toMillis(),
                    config.changeNotifications() ? " and on every change (LISTEN/NOTIFY)" : "");
        }
    }

    /**
     * Reads the live rows now and publishes them, on the calling thread. The sync thread calls
     * this; so may a caller that wants its own write visible before the next reload.
     *
     * @return whether the content changed (and with it {@link #version()})
     * @throws PostgresRepositoryException when the database cannot be read; the snapshot stays
     */
    public boolean reload() {
        BackendSnapshot before = snapshot;
        try {
            reloadOrThrow();
        } catch (SQLException e) {
            throw failure("cannot read backends from", e);
        }
        return snapshot != before;
    }

    private int reloadOrThrow() throws SQLException {
        HikariDataSource source = requirePool();
        synchronized (reloading) {
            Map<String, String> skipped = new HashMap<>();
            List<Backend> live;
            try (Connection c = source.getConnection()) {
                live = rows.loadLive(c, skipped);
            }
            skipped.forEach((id, why) -> {
                if (!why.equals(rejected.get(id))) {
                    LOG.warn("PostgreSQL backend registry {}: skipping row {}: {}", url, id, why);
                }
            });
            rejected = skipped;
            snapshot = snapshot.next(live);
            return live.size();
        }
    }

    @Override
    public List<Backend> all() {
        return snapshot.all();
    }

    @Override
    public Optional<Backend> byId(String id) {
        return Optional.ofNullable(snapshot.byId().get(id));
    }

    @Override
    public List<Backend> healthy() {
        return snapshot.healthy();
    }

    @Override
    public long version() {
        return snapshot.version();
    }

    /**
     * Inserts the backend, or replaces the row with its id (reviving it if it was soft-deleted).
     *
     * @throws PostgresRepositoryException when the write fails
     */
    public void register(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        write("register " + backend.id(), c -> {
            rows.upsert(c, backend);
            return true;
        });
    }

    /** @return whether a live backend with this id exists (and now has this flag) */
    public boolean updateHealth(String id, boolean healthy) {
        return write("update health of " + id, c -> rows.setHealthy(c, id, healthy));
    }

    /**
     * @return whether a live backend with this id exists (and now has this weight)
     * @throws IllegalArgumentException when {@code weight} is negative
     */
    public boolean updateWeight(String id, int weight) {
        if (weight < 0) {
            throw new IllegalArgumentException("weight must be >= 0, but was " + weight);
        }
        return write("update weight of " + id, c -> rows.setWeight(c, id, weight));
    }

    /**
     * @return whether a live backend with this id exists (and now has these limits)
     * @throws IllegalArgumentException when the limits break the rules of {@link Backend}
     */
    public boolean updateLimits(String id, int softLimit, int hardLimit) {
        if (hardLimit < 1) {
            throw new IllegalArgumentException("hardLimit must be >= 1, but was " + hardLimit);
        }
        if (softLimit < 0 || softLimit > hardLimit) {
            throw new IllegalArgumentException("softLimit must be between 0 and hardLimit (" + hardLimit
                    + "), but was " + softLimit);
        }
        return write("update limits of " + id, c -> rows.setLimits(c, id, softLimit, hardLimit));
    }

    /** Marks the backend deleted ({@code deleted = 1}); its row stays. @return whether it was live */
    public boolean softDelete(String id) {
        return write("delete " + id, c -> rows.softDelete(c, id));
    }

    /** Stops the sync thread and its listening connection, then closes the pool. Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            if (sync != null) {
                sync.close();
            }
            if (pool != null) {
                pool.close();
            }
        }
    }

    @Override
    public String toString() {
        return "PostgresBackendRepository[" + url + ", " + snapshot.all().size() + " backends, version "
                + snapshot.version() + "]";
    }

    /** One statement on a pooled connection. */
    @FunctionalInterface
    private interface Write {
        boolean apply(Connection c) throws SQLException;
    }

    private boolean write(String what, Write write) {
        try (Connection c = requirePool().getConnection()) {
            return write.apply(c);
        } catch (SQLException e) {
            throw failure("cannot " + what + " in", e);
        }
    }

    private HikariDataSource requirePool() {
        HikariDataSource source = pool;
        if (source == null) {
            throw new IllegalStateException("call initialize() first");
        }
        return source;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
    }

    private PostgresRepositoryException failure(String what, Throwable cause) {
        return new PostgresRepositoryException("PostgreSQL backend registry: " + what + " " + url + ": "
                + url.redact(String.valueOf(cause.getMessage())), cause);
    }

    /** @return the driver's own exception inside HikariCP's wrapper, which says what the server answered */
    private static Throwable driverCause(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException) {
                return t;
            }
        }
        return e;
    }
}
