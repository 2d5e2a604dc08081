package io.edgeproxy.infrastructure.pool;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.Ticker;
import io.edgeproxy.domain.port.BackendAvailability;
import io.edgeproxy.domain.port.BackendRepository;
import io.edgeproxy.infrastructure.loop.ConnectHandler;
import io.edgeproxy.infrastructure.net.SocketAddresses;
import io.edgeproxy.infrastructure.loop.EventLoop;
import io.edgeproxy.infrastructure.loop.EventLoops;
import io.edgeproxy.infrastructure.loop.Channels;
import io.edgeproxy.infrastructure.loop.Scheduled;
import io.edgeproxy.infrastructure.pool.internal.BackendPool;
import io.edgeproxy.infrastructure.proxy.RepositoryWatcher;
import io.edgeproxy.infrastructure.proxy.WarmConnections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
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
 * {@link #take(Backend)} (the engine's {@link WarmConnections} hook), which never blocks and returns
 * a validated, connected, non-blocking channel registered with no selector, or null at once. The
 * channel then belongs to the caller (it no longer counts against the pool's limit) and a
 * replacement is connected on the caller's own event loop (no other thread is woken). Spares are
 * connected without blocking on the proxy's event loops; once a second the pool refills what is
 * missing and evicts what expired. {@link #disabled()} is the pool of a proxy without one.
 *
 * <p><b>Never handed out:</b> a connection that expired, that the backend closed, or that holds
 * bytes nobody asked for: each idle connection is checked with a non-blocking 1-byte read when it is
 * taken and when it is returned (0 means fine, -1 closed, more than 0 unread bytes).
 *
 * <p>Thread-safe. {@link #take} is lock-free; {@link #acquire} blocks (connect, wait for a
 * slot) and belongs on application threads, never on an event loop.
 *
 * <pre>{@code
 * ConnectionPool pool = new ConnectionPool(PoolConfig.ofDefaults());
 * try (PooledConnection c = pool.acquire("backend-1", new InetSocketAddress("10.50.1.1", 8080))) {
 *     c.write(request);
 * }
 * // warm spares for an event loop
 * pool.startWarming(repository, availability);
 * SocketChannel warm = pool.take(backend);   // null: connect yourself
 * }</pre>
 */
public final class ConnectionPool implements WarmConnections, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);
    private static final Duration WARM_TICK = Duration.ofSeconds(1);

    private final PoolConfig config;
    private final Ticker ticker;
    private final ConcurrentHashMap<String, BackendPool> pools = new ConcurrentHashMap<>();
    private final boolean enabled;
    private volatile boolean closed;

    /** Set once warming starts; read by {@link #take} on any loop. */
    private volatile Warming warming;

    /** A pool on the system clock. */
    public ConnectionPool(PoolConfig config) {
        this(config, Ticker.system());
    }

    /** A pool whose idle and lifetime clocks run on {@code ticker} (tests drive a fake one). */
    public ConnectionPool(PoolConfig config, Ticker ticker) {
        this.config = Objects.requireNonNull(config, "config");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.enabled = true;
    }

    private ConnectionPool() {
        this.config = PoolConfig.ofDefaults();
        this.ticker = Ticker.system();
        this.enabled = false;
    }

    /** @return a pool that holds nothing and never has a spare (pooling off) */
    public static ConnectionPool disabled() {
        return new ConnectionPool();
    }

    /** @return whether this pool keeps spares (false for {@link #disabled()}) */
    public boolean enabled() {
        return enabled;
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
     * non-blocking validation read. A replacement is connected on the calling event loop.
     *
     * @return a connected channel in non-blocking mode, registered with no selector, now owned by the
     *         caller; or null when the backend has no validated spare (connect it yourself)
     */
    @Override
    public SocketChannel take(Backend backend) {
        Warming w = warming;
        if (closed || w == null) {
            return null;
        }
        BackendPool bp = pools.get(backend.id());
        if (bp == null) {
            return null;
        }
        BackendPool.Conn c = bp.takeIdle();
        EventLoop here = EventLoop.current();
        EventLoop loop = here != null ? here : w.loops.next();
        if (c != null && c.channel.provider() != loop.provider()) {
            // Connected by the blocking API before warming started, on the JDK's NIO: it cannot
            // register with loops of another transport.
            bp.destroy(c);
            c = null;
        }
        if (c != null) {
            bp.handedOff(); // ours now: frees the slot whatever happens next
        }
        try {
            w.refill(backend, loop); // a replacement, or a first spare
        } catch (RuntimeException e) {
            log.warn("connection pool: refilling backend {} failed", backend.id(), e);
        }
        return c == null ? null : c.channel;
    }

    /**
     * Keeps {@link PoolConfig#warmConnectionsPerBackend()} spares connected for every healthy
     * backend of the repository, on an event loop of its own (started here, stopped by
     * {@link #close()}), following the repository once a second. Pools of backends that left the
     * repository are closed.
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
        EventLoops own = EventLoops.start(1, "edgeproxy-pool");
        RepositoryWatcher watcher = new RepositoryWatcher(repository, own.get(0), RepositoryWatcher.DEFAULT_INTERVAL);
        try {
            startWarming(watcher, own, availability, true);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
        watcher.start();
    }

    /**
     * Warms on a proxy's event loops, following the proxy's repository watcher: spares are connected
     * on the loops (spread over them), the refill tick runs on loop 0.
     *
     * @throws IllegalStateException when warming already runs, or after {@link #close()}
     */
    public void startWarming(RepositoryWatcher watcher, EventLoops loops, BackendAvailability availability) {
        startWarming(watcher, loops, availability, false);
    }

    private synchronized void startWarming(RepositoryWatcher watcher, EventLoops loops, BackendAvailability availability,
                                           boolean ownsLoops) {
        Objects.requireNonNull(watcher, "watcher");
        Objects.requireNonNull(loops, "loops");
        Objects.requireNonNull(availability, "availability");
        if (!enabled) {
            return;
        }
        checkOpen();
        if (warming != null) {
            throw new IllegalStateException("connection pool: warming already runs");
        }
        Warming w = new Warming(watcher, loops, availability, ownsLoops);
        warming = w;
        w.start();
        log.debug("connection pool warming: {} spares per backend", config.warmConnectionsPerBackend());
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
        Warming w;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            w = warming;
        }
        if (w != null) {
            w.stop();
        }
        for (BackendPool bp : pools.values()) {
            bp.closeIdle();
        }
    }

    void giveBack(BackendPool bp, BackendPool.Conn conn, boolean broken) {
        SocketChannel ch = conn.channel;
        if (broken || closed || pools.get(bp.id()) != bp || !ch.isOpen() || Channels.isShutDown(ch)) {
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
            // The loops' transport when warming runs, so a connection given back can become a spare.
            Warming w = warming;
            SelectorProvider provider = w != null ? w.loops.provider() : SelectorProvider.provider();
            ch = provider.openSocketChannel();
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Channels.connectBlocking(ch, address, (int) Math.min(Integer.MAX_VALUE, millis));
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
            throw new IOException("backend " + bp.id() + " (" + SocketAddresses.format(address) + "): " + why, e);
        }
    }

    /** The warming machinery: a tick on the first loop, connects on whichever loop asks. */
    private final class Warming {
        final RepositoryWatcher watcher;
        final EventLoops loops;
        final BackendAvailability availability;
        final boolean ownsLoops;
        private final io.edgeproxy.infrastructure.proxy.BackendsListener onBackends = this::backendsChanged;
        private volatile Scheduled tick;

        Warming(RepositoryWatcher watcher, EventLoops loops, BackendAvailability availability, boolean ownsLoops) {
            this.watcher = watcher;
            this.loops = loops;
            this.availability = availability;
            this.ownsLoops = ownsLoops;
        }

        void start() {
            watcher.subscribe(onBackends);
            tick = loops.get(0).schedule(WARM_TICK, this::tick);
        }

        void stop() {
            watcher.unsubscribe(onBackends);
            Scheduled t = tick;
            if (t != null) {
                t.cancel();
            }
            if (ownsLoops) {
                watcher.close();
                loops.close();
            }
        }

        /** Once a second: refill every backend (availability may have changed) and evict what expired. */
        private void tick() {
            if (closed) {
                return;
            }
            try {
                EventLoop here = loops.get(0);
                for (Backend b : watcher.current()) {
                    refill(b, here);
                }
                evictExpired();
            } catch (RuntimeException e) {
                log.error("connection pool: refill failed, retrying in {}", WARM_TICK, e);
            } finally {
                if (!closed) {
                    tick = loops.get(0).schedule(WARM_TICK, this::tick);
                }
            }
        }

        /** On the watcher's loop: close the pools of backends that left, warm the others. */
        private void backendsChanged(List<Backend> backends) {
            Set<String> known = new HashSet<>();
            EventLoop here = EventLoop.current();
            for (Backend b : backends) {
                known.add(b.id());
                refill(b, here != null ? here : loops.next());
            }
            for (String id : pools.keySet()) {
                if (!known.contains(id)) {
                    remove(id);
                    log.debug("connection pool: backend {} left the repository, its idle connections closed", id);
                }
            }
        }

        /** Starts the connects {@code b} needs to have its spares, on {@code loop}. */
        void refill(Backend b, EventLoop loop) {
            if (closed || !b.healthy() || !availability.isAvailable(b)) {
                return;
            }
            BackendPool bp = pool(b.id(), b.socketAddress());
            if (!bp.warmAllowed(System.nanoTime())) {
                return;
            }
            for (int i = bp.warmDeficit(config.warmConnectionsPerBackend()); i > 0 && bp.reserve(); i--) {
                connectSpare(bp, b.socketAddress(), loop);
            }
        }

        private void connectSpare(BackendPool bp, InetSocketAddress to, EventLoop loop) {
            bp.connectStarted();
            loop.connect(to, config.connectTimeout(), new ConnectHandler() {
                @Override
                public void connected(SocketChannel channel, long connectNanos) {
                    // A spare is handed to whichever loop its client lands on: off this selector first.
                    loop.deregister(channel, () -> publish(bp, channel, to));
                }

                @Override
                public void failed(IOException cause) {
                    warmFailed(bp, to, cause.getMessage() == null ? cause.toString() : cause.getMessage());
                }
            });
        }

        private void publish(BackendPool bp, SocketChannel channel, InetSocketAddress to) {
            bp.connectEnded();
            if (closed || pools.get(bp.id()) != bp || channel.isRegistered()) {
                BackendPool.closeQuietly(channel); // the pool closed, or the backend left it meanwhile
                bp.unreserve();
                return;
            }
            if (bp.warmSucceeded()) {
                log.info("connection pool: warm connections to backend {} ({}) work again", bp.id(), SocketAddresses.format(to));
            }
            bp.addIdle(bp.created(channel, to));
            if (closed || pools.get(bp.id()) != bp) {
                bp.closeIdle(); // close() or remove() ran between the check and the add
            }
        }

        private void warmFailed(BackendPool bp, InetSocketAddress to, String why) {
            bp.connectEnded();
            bp.unreserve();
            long retryNanos = config.connectTimeout().toNanos();
            if (bp.warmFailed(System.nanoTime() + retryNanos)) {
                log.warn("connection pool: cannot warm backend {} ({}): {}; retrying every {} ms", bp.id(),
                        SocketAddresses.format(to), why, TimeUnit.NANOSECONDS.toMillis(retryNanos));
            } else {
                log.debug("connection pool: cannot warm backend {} ({}): {}", bp.id(), SocketAddresses.format(to), why);
            }
        }
    }

    private static PoolStats stats(BackendPool bp) {
        long[] c = bp.counts();
        return new PoolStats((int) c[0], (int) c[1], c[2], c[3], c[4]);
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
