package io.edgeproxy.infrastructure.pool;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.Ticker;
import io.edgeproxy.domain.port.BackendAvailability;
import io.edgeproxy.domain.port.BackendRepository;
import io.edgeproxy.infrastructure.pool.internal.BackendPool;
import io.edgeproxy.infrastructure.pool.internal.WarmConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * TCP connections to backends, kept open for reuse.
 *
 * <p><b>Standalone use:</b> {@link #acquire} hands out an idle connection, or connects a new one;
 * closing the {@link PooledConnection} gives it back unless it is broken. At most
 * {@link PoolConfig#maxConnectionsPerBackend()} connections per backend exist at once (idle, in use
 * and connecting); a caller over the limit waits, at most the connect timeout, then gets a
 * {@link PoolExhaustedException} naming the backend and the limit. Idle connections close after
 * {@link PoolConfig#idleTimeout()}, every connection after {@link PoolConfig#maxLifetime()}.
 *
 * <p><b>In the proxy:</b> TCP bytes cannot be shared between two clients, so a proxied client never
 * reuses another's connection. The pool's job there is to keep
 * {@link PoolConfig#warmConnectionsPerBackend()} spares per backend already connected
 * ({@link #startWarming}), so a new client skips the connect round trip: the event loop calls
 * {@link #takeWarm}, which never blocks and returns a validated, connected, non-blocking channel
 * registered with no selector, or null at once. The channel then belongs to the caller (it no longer
 * counts against the pool's limit) and the warmer thread connects a replacement.
 *
 * <p><b>Never handed out:</b> a connection that expired, that the backend closed, or that holds
 * bytes nobody asked for: each idle connection is checked with a non-blocking 1-byte read when it is
 * taken and when it is returned (0 means fine, -1 closed, more than 0 unread bytes).
 *
 * <p>Thread-safe. {@link #takeWarm} is lock-free; {@link #acquire} blocks (connect, wait for a
 * slot) and belongs on application threads, never on an event loop.
 *
 * <pre>{@code
 * ConnectionPool pool = new ConnectionPool(PoolConfig.ofDefaults());
 * try (PooledConnection c = pool.acquire("backend-1", new InetSocketAddress("10.50.1.1", 8080))) {
 *     c.write(request);
 * }
 * // in the proxy
 * pool.startWarming(repository, availability);
 * SocketChannel warm = pool.takeWarm(backend.id());   // null: connect yourself
 * }</pre>
 */
public final class ConnectionPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);
    private static final long WARM_TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final PoolConfig config;
    private final Ticker ticker;
    private final ConcurrentHashMap<String, BackendPool> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private final Object warmLock = new Object();
    private volatile WarmConnector connector;
    private volatile Thread warmer;

    /** A pool on the system clock. */
    public ConnectionPool(PoolConfig config) {
        this(config, Ticker.system());
    }

    /** A pool whose idle and lifetime clocks run on {@code ticker} (tests drive a fake one). */
    public ConnectionPool(PoolConfig config, Ticker ticker) {
        this.config = Objects.requireNonNull(config, "config");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /**
     * Borrows a connection to a backend: an idle one when there is one that passes validation, else
     * a new one. Blocks for at most {@link PoolConfig#connectTimeout()} in all.
     *
     * @param backendId names the backend; connections are pooled per id
     * @param address   where it is; an idle connection to another address (the backend moved) is closed
     * @throws PoolExhaustedException when the backend stayed at its limit for the whole connect timeout
     * @throws IOException            when the connect fails or times out (the message names the backend)
     * @throws IllegalStateException  after {@link #close()}
     */
    public PooledConnection acquire(String backendId, InetSocketAddress address) throws IOException {
        checkOpen();
        Objects.requireNonNull(backendId, "backendId");
        if (Objects.requireNonNull(address, "address").isUnresolved()) {
            throw new IllegalArgumentException("address must be resolved (an IP literal), but was " + address);
        }
        BackendPool bp = pool(backendId, address);
        long start = System.nanoTime();
        long deadline = start + config.connectTimeout().toNanos();
        for (;;) {
            BackendPool.Conn idle = bp.takeIdle();
            if (idle != null) {
                try {
                    idle.channel.configureBlocking(true);
                    return new PooledConnection(this, bp, idle, true);
                } catch (IOException | RuntimeException e) {
                    bp.destroy(idle);
                    continue;
                }
            }
            if (bp.reserve()) {
                return new PooledConnection(this, bp, connect(bp, address, deadline - System.nanoTime()), false);
            }
            try {
                if (!bp.awaitChange(deadline)) {
                    throw new PoolExhaustedException(backendId, config.maxConnectionsPerBackend(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("backend " + backendId + ": interrupted while waiting for a connection");
            }
            checkOpen();
        }
    }

    /**
     * Takes a warm spare for the proxy's event loop. Never blocks: a lock-free poll plus the
     * non-blocking validation read.
     *
     * @return a connected channel in non-blocking mode, registered with no selector, now owned by the
     *         caller; or null when the backend has no validated spare (connect it yourself)
     */
    public SocketChannel takeWarm(String backendId) {
        if (closed) {
            return null;
        }
        BackendPool bp = pools.get(backendId);
        if (bp == null) {
            return null;
        }
        BackendPool.Conn c = bp.takeIdle();
        WarmConnector w = connector;
        if (w != null) {
            w.wakeup();   // a replacement, or a first spare
        }
        if (c == null) {
            return null;
        }
        bp.handedOff();
        return c.channel;
    }

    /**
     * Keeps {@link PoolConfig#warmConnectionsPerBackend()} spares connected for every healthy
     * backend of the repository, from a background thread ("edgeproxy-pool-warmer") that connects
     * without blocking, re-reads the repository every second, evicts expired idle connections, and
     * refills as soon as a spare is taken. Pools of backends that left the repository are closed.
     */
    public void startWarming(BackendRepository repository) {
        startWarming(repository, BackendAvailability.always());
    }

    /**
     * As {@link #startWarming(BackendRepository)}, warming only backends that {@code availability}
     * accepts too (health checks, circuit breakers): no spares for a backend that is down.
     *
     * @throws IllegalStateException when warming already runs, or after {@link #close()}
     */
    public void startWarming(BackendRepository repository, BackendAvailability availability) {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(availability, "availability");
        synchronized (warmLock) {
            checkOpen();
            if (warmer != null) {
                throw new IllegalStateException("connection pool: warming already runs");
            }
            WarmConnector w = new WarmConnector(config.connectTimeout().toNanos());
            connector = w;
            Thread t = new Thread(() -> warmLoop(w, repository, availability), "edgeproxy-pool-warmer");
            t.setDaemon(true);
            warmer = t;
            t.start();
        }
    }

    /** Closes every idle connection that outlived the idle timeout or the max lifetime. @return how many */
    public int evictExpired() {
        int n = 0;
        for (BackendPool bp : pools.values()) {
            n += bp.evictExpired();
        }
        return n;
    }

    /** Forgets a backend: closes its idle connections; those in use are closed when given back. */
    public void remove(String backendId) {
        BackendPool bp = pools.remove(backendId);
        if (bp != null) {
            bp.closeIdle();
        }
    }

    /** @return the backend's counts (all zero when unknown) */
    public PoolStats stats(String backendId) {
        BackendPool bp = pools.get(backendId);
        return bp == null ? new PoolStats(0, 0, 0, 0, 0) : stats(bp);
    }

    /** @return the counts of every backend added up */
    public PoolStats stats() {
        PoolStats sum = new PoolStats(0, 0, 0, 0, 0);
        for (BackendPool bp : pools.values()) {
            sum = sum.plus(stats(bp));
        }
        return sum;
    }

    public PoolConfig config() {
        return config;
    }

    /** Stops warming and closes every idle connection; connections in use close when given back. */
    @Override
    public void close() {
        Thread t;
        synchronized (warmLock) {
            if (closed) {
                return;
            }
            closed = true;
            t = warmer;
        }
        if (t != null) {
            connector.wakeup();
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (BackendPool bp : pools.values()) {
            bp.closeIdle();
        }
    }

    void giveBack(BackendPool bp, BackendPool.Conn conn, boolean broken) {
        SocketChannel ch = conn.channel;
        if (broken || closed || pools.get(bp.id()) != bp || !ch.isOpen() || ch.socket().isInputShutdown()
                || ch.socket().isOutputShutdown()) {
            bp.destroy(conn);
        } else {
            bp.giveBack(conn); // validates; destroys when unusable
        }
    }

    private BackendPool pool(String backendId, InetSocketAddress address) {
        BackendPool bp = pools.computeIfAbsent(backendId, id -> new BackendPool(id, address,
                config.maxConnectionsPerBackend(), config.idleTimeout().toNanos(), config.maxLifetime().toNanos(),
                ticker));
        if (!bp.address().equals(address)) {
            bp.address(address);
        }
        return bp;
    }

    private BackendPool.Conn connect(BackendPool bp, InetSocketAddress address, long timeoutNanos) throws IOException {
        SocketChannel ch = null;
        long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        try {
            ch = SocketChannel.open();
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, millis));
            return bp.created(ch, address);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the connect failed anyway
                }
            }
            bp.unreserve();
            String why = e instanceof SocketTimeoutException ? "connect timed out after " + millis + " ms"
                    : "connect failed: " + (e.getMessage() == null ? e.toString() : e.getMessage());
            throw new IOException("backend " + bp.id() + " (" + hostAndPort(address) + "): " + why, e);
        }
    }

    private void warmLoop(WarmConnector w, BackendRepository repository, BackendAvailability availability) {
        log.debug("connection pool warmer started: {} spares per backend", config.warmConnectionsPerBackend());
        try {
            while (!closed) {
                try {
                    refill(w, repository, availability);
                    evictExpired();
                    w.await(WARM_TICK_NANOS);
                } catch (Throwable e) {
                    log.error("connection pool warmer: unexpected error, continuing", e);
                    try {
                        Thread.sleep(100); // an error that repeats must not spin
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        } finally {
            w.close();
            log.debug("connection pool warmer stopped");
        }
    }

    private void refill(WarmConnector w, BackendRepository repository, BackendAvailability availability) {
        Set<String> known = new HashSet<>();
        long now = System.nanoTime();
        for (Backend b : repository.all()) {
            known.add(b.id());
            if (!b.healthy() || !availability.isAvailable(b)) {
                continue;
            }
            BackendPool bp = pool(b.id(), b.socketAddress());
            if (!bp.warmAllowed(now)) {
                continue;
            }
            for (int i = bp.warmDeficit(config.warmConnectionsPerBackend()); i > 0 && bp.reserve(); i--) {
                w.connect(bp, b.socketAddress(), config.connectTimeout().toNanos());
            }
        }
        for (String id : pools.keySet()) {
            if (!known.contains(id)) {
                remove(id);
                log.debug("connection pool: backend {} left the repository, its idle connections closed", id);
            }
        }
    }

    private static PoolStats stats(BackendPool bp) {
        long[] c = bp.counts();
        return new PoolStats((int) c[0], (int) c[1], c[2], c[3], c[4]);
    }

    private static String hostAndPort(InetSocketAddress a) {
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("connection pool is closed");
        }
    }

    @Override
    public String toString() {
        return "ConnectionPool[" + pools.size() + " backends, " + stats() + "]";
    }
}
