package io.edgeproxy.infrastructure;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.domain.Ticker;
import io.edgeproxy.domain.port.BackendAvailability;
import io.edgeproxy.domain.port.BackendRepository;
import io.edgeproxy.domain.port.BindingRepository;
import io.edgeproxy.domain.port.GeoResolver;
import io.edgeproxy.domain.port.LoadBalancer;
import io.edgeproxy.domain.port.MetricsStore;
import io.edgeproxy.domain.routing.GeoScoreLoadBalancer;
import io.edgeproxy.domain.routing.RoutingService;
import io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig;
import io.edgeproxy.infrastructure.circuit.CircuitBreakers;
import io.edgeproxy.infrastructure.health.HealthCheckConfig;
import io.edgeproxy.infrastructure.health.HealthMonitor;
import io.edgeproxy.infrastructure.memory.InMemoryBackendRepository;
import io.edgeproxy.infrastructure.memory.InMemoryBindingRepository;
import io.edgeproxy.infrastructure.memory.InMemoryMetricsStore;
import io.edgeproxy.infrastructure.net.SocketAddresses;
import io.edgeproxy.infrastructure.pool.ConnectionPool;
import io.edgeproxy.infrastructure.pool.PoolConfig;
import io.edgeproxy.infrastructure.proxy.ProxyConfig;
import io.edgeproxy.infrastructure.loop.EventLoop;
import io.edgeproxy.infrastructure.loop.EventLoops;
import io.edgeproxy.infrastructure.loop.Transport;
import io.edgeproxy.infrastructure.loop.Scheduled;
import io.edgeproxy.infrastructure.proxy.BackendGate;
import io.edgeproxy.infrastructure.proxy.ClientAdmission;
import io.edgeproxy.infrastructure.proxy.ConnectionListener;
import io.edgeproxy.infrastructure.proxy.RepositoryWatcher;
import io.edgeproxy.infrastructure.proxy.WarmConnections;
import io.edgeproxy.infrastructure.proxy.internal.BackendFailureLog;
import io.edgeproxy.infrastructure.proxy.internal.ConnectionEvents;
import io.edgeproxy.infrastructure.proxy.internal.EngineContext;
import io.edgeproxy.infrastructure.proxy.internal.MetricsStoreListener;
import io.edgeproxy.infrastructure.proxy.internal.ProxyEngine;
import io.edgeproxy.infrastructure.ratelimit.RateLimitConfig;
import io.edgeproxy.infrastructure.ratelimit.RateLimiter;
import io.edgeproxy.infrastructure.shutdown.ShutdownController;
import io.edgeproxy.infrastructure.shutdown.ShutdownReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An embeddable geo-aware L4 (TCP) proxy. A listen address and a backend list are all it needs:
 *
 * <pre>{@code
 * try (EdgeProxy proxy = EdgeProxy.builder()
 *         .listenAddress("0.0.0.0:8080")
 *         .region("sa")
 *         .backends(List.of(Backend.builder("sa-1").app("api").region("sa").country("BR")
 *                 .address("10.50.1.1").port(9000).build()))
 *         .build()
 *         .start()) {
 *     System.out.println("listening on " + proxy.localAddress());
 * }
 * }</pre>
 *
 * <p>Each client connection is routed by the {@link RoutingService} (affinity, then the geo-score
 * {@link LoadBalancer}) and relayed to its backend by {@link ProxyConfig#eventLoops()} NIO event
 * loops ({@link EventLoops}), which also run the health probes, the warm-spare connects and the
 * housekeeping: the proxy starts no other thread. The in-memory adapters are the defaults for every
 * port. Thread-safe; {@link #close()} stops accepting, closes every connection and stops the loops.
 *
 * <p>Extension points (the engine's public SPI, package {@code proxy}): {@link ClientAdmission}s
 * asked at accept, a {@link BackendGate} per connect attempt, a {@link WarmConnections} supplier,
 * {@link ConnectionListener}s for every connection event, and {@link ProxyExtension}s that share the
 * proxy's lifecycle. The components below implement their hook directly.
 *
 * <p>The resilience components act on every connection once switched on:
 * <ul>
 *   <li>{@link Builder#rateLimit(RateLimitConfig)}: a token bucket per client IP, checked at accept
 *       before any routing; a client without a token is closed at once (counted as
 *       {@code rate_limited}).</li>
 *   <li>{@link Builder#circuitBreaker(CircuitBreakerConfig)}: a breaker per backend. A connect refused,
 *       timed out or reset before the backend's first byte is a failure; the backend's first byte or
 *       one second established without failing is a success; our own errors and the
 *       client's are never counted. A backend whose circuit is open is not a candidate; half-open
 *       trials are real client connections.</li>
 *   <li>{@link Builder#healthCheck(HealthCheckConfig)}: active probes of every backend of the
 *       repository; a backend the probes find down is not a candidate.</li>
 *   <li>{@link Builder#pool(PoolConfig)}: warm, already-connected spares per backend; a new client
 *       takes one and skips the connect round trip (a spare carries one client session only).</li>
 * </ul>
 */
public final class EdgeProxy implements AutoCloseable {

    /** Defaults to 60 seconds. */
    public static final Duration DEFAULT_BINDING_GC_INTERVAL = Duration.ofSeconds(60);

    private static final Logger log = LoggerFactory.getLogger(EdgeProxy.class);

    private final InetSocketAddress listenAddress;
    private final BackendRepository backends;
    private final MetricsStore metrics;
    private final RoutingService routing;
    private final Duration bindingGcInterval;
    private final ProxyConfig config;
    private final RateLimiter rateLimiter;
    private final CircuitBreakers circuitBreakers;
    private final HealthMonitor healthMonitor;
    private final ConnectionPool pool;
    private final BackendAvailability availability;
    private final List<ProxyExtension> extensions;
    private final ShutdownController connections = new ShutdownController();
    private final BackendFailureLog failureLog = new BackendFailureLog();
    private final ProxyEngine engine;
    private final CompletableFuture<ProxyState> terminated = new CompletableFuture<>();
    private volatile ProxyState state = ProxyState.NEW;
    private volatile Throwable failure;
    private EventLoops loops;
    private RepositoryWatcher watcher;
    private volatile Scheduled housekeeping;
    private boolean closing;
    /** Connections still open when {@link #close()} began: the ones it reset. */
    private int openAtClose;

    private EdgeProxy(Builder b) {
        this.listenAddress = b.listenAddress;
        this.backends = b.backends;
        this.metrics = b.metrics;
        this.config = b.config;
        this.bindingGcInterval = b.bindingGcInterval;
        this.rateLimiter = b.rateLimit == null ? RateLimiter.unlimited() : new RateLimiter(b.rateLimit, b.ticker);
        this.circuitBreakers = b.circuitBreaker == null ? CircuitBreakers.disabled() : new CircuitBreakers(b.circuitBreaker, b.ticker);
        this.healthMonitor = b.healthCheck == null ? HealthMonitor.disabled() : new HealthMonitor(b.backends, b.healthCheck);
        this.pool = b.pool == null ? ConnectionPool.disabled() : new ConnectionPool(b.pool, b.ticker);
        this.availability = healthMonitor.and(circuitBreakers);
        this.routing = RoutingService.builder()
                .backends(b.backends)
                .bindings(b.bindings)
                .geoResolver(b.geoResolver)
                .loadBalancer(b.loadBalancer)
                .availability(availability)
                .localRegion(b.region)
                .bindingTtl(b.bindingTtl)
                .ticker(b.ticker)
                .build();
        this.extensions = List.copyOf(b.extensions);
        List<ClientAdmission> admissions = new ArrayList<>();
        admissions.add(rateLimiter);
        admissions.addAll(b.admissions);
        List<ConnectionListener> listeners = new ArrayList<>();
        listeners.add(connections);
        listeners.add(failureLog);
        listeners.add(new MetricsStoreListener(metrics));
        listeners.addAll(b.listeners);
        this.engine = new ProxyEngine(new EngineContext(config, routing, admissions, circuitBreakers, pool,
                new ConnectionEvents(listeners), connections::activeConnections));
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the listener, starts the event loops, the repository watcher, the components and the
     * extensions.
     *
     * @return this proxy, to chain with the builder
     * @throws UncheckedIOException when the address cannot be bound (names the address)
     * @throws IllegalStateException when started twice or after {@link #close()}
     */
    public synchronized EdgeProxy start() {
        if (state != ProxyState.NEW) {
            throw new IllegalStateException(state == ProxyState.RUNNING ? "proxy already started"
                    : "proxy " + state.name().toLowerCase(java.util.Locale.ROOT) + "; build a new one");
        }
        state = ProxyState.RUNNING;
        try {
            loops = EventLoops.create(config.eventLoops(), "edgeproxy-loop", config.transport());
            loops.onFatal(this::failClosed);
            engine.start(loops, listenAddress);
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot listen on " + SocketAddresses.format(listenAddress) + ": "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        try {
            loops.startAll();
            startControlPlane();
            for (ProxyExtension extension : extensions) {
                extension.start(this);
            }
        } catch (Exception e) {
            close();
            if (e instanceof RuntimeException) {
                throw (RuntimeException) e;
            }
            throw new IllegalStateException("proxy extension failed to start: " + e.getMessage(), e);
        }
        log.info("edgeproxy listening on {} (region {}, {} event loops, {}{})",
                SocketAddresses.format(engine.localAddress()), routing.localRegion(), loops.size(),
                loops.transport().name().toLowerCase(java.util.Locale.ROOT),
                loops.transport() != Transport.EPOLL ? "" : config.splicesOn(Transport.EPOLL) ? ", splice" : ", splice off");
        if (config.transport() == Transport.AUTO && loops.transport() == Transport.NIO) {
            log.info("edgeproxy runs on the JDK's NIO: {}", Transport.EPOLL.unavailableReason());
        }
        return this;
    }

    private void startControlPlane() {
        EventLoop control = loops.get(0);
        watcher = new RepositoryWatcher(backends, control, RepositoryWatcher.DEFAULT_INTERVAL);
        watcher.subscribe(this::backendsChanged);
        watcher.subscribe(failureLog);
        healthMonitor.start(watcher, loops);
        pool.startWarming(watcher, loops, availability);
        watcher.start();
        housekeeping = control.schedule(bindingGcInterval, this::collectGarbage);
    }

    /** The repository changed: forget the load counters and breakers of backends that left it. */
    private void backendsChanged(List<Backend> all) {
        Set<String> ids = new HashSet<>();
        for (Backend b : all) {
            ids.add(b.id());
        }
        routing.load().retainOnly(ids);
        circuitBreakers.retainOnly(ids);
    }

    /** Periodic housekeeping on loop 0: expired bindings and full rate-limit buckets. */
    private void collectGarbage() {
        try {
            int removed = routing.removeExpiredBindings();
            if (removed > 0) {
                log.debug("bindings: removed {} expired", removed);
            }
            rateLimiter.cleanUp();
        } catch (RuntimeException e) {
            log.warn("housekeeping failed; next run in {}", bindingGcInterval, e);
        } finally {
            if (state == ProxyState.RUNNING) { // no lock on the loop: close() may hold it while it waits for the loops
                housekeeping = loops.get(0).schedule(bindingGcInterval, this::collectGarbage);
            }
        }
    }

    /**
     * Changes the reloadable settings while connections keep flowing: the backend list (added,
     * removed, re-weighted at once; new connections follow it, open ones stay where they are), the
     * rate-limit thresholds, the circuit-breaker settings and the health-check parameters, each
     * changed in place keeping per-client and per-backend state where it still applies (see
     * {@link RateLimiter#reconfigure}, {@link CircuitBreakers#reconfigure},
     * {@link HealthMonitor#reconfigure}). Everything is checked before anything changes.
     *
     * <p>A component this proxy was built without cannot be switched on: its part is ignored with
     * a warning. The listen address, region, event loops, geo resolver and pool need a new proxy.
     * Thread-safe; concurrent calls are serialized.
     *
     * @throws IllegalStateException    when backends are given but the proxy reads them from a
     *                                  repository other than its in-memory one (PostgreSQL, say); nothing changes
     * @throws IllegalArgumentException when the circuit-breaker settings break a rule with the engine's
     *                                  (the trial timeout must exceed the connect timeout); nothing changes
     */
    public synchronized void reconfigure(Reconfiguration change) {
        Objects.requireNonNull(change, "change");
        if (change.backends().isPresent() && !(backends instanceof InMemoryBackendRepository)) {
            throw new IllegalStateException("backends come from " + backends + ", not from a list; change them there");
        }
        change.circuitBreaker().ifPresent(c -> Builder.requireTrialLongerThanConnect(c, config));
        change.rateLimit().ifPresent(c -> {
            if (rateLimiter.config() == null) {
                log.warn("reconfigure: rate limiting is off in this proxy; new rate-limit settings ignored (a restart with it enabled is needed)");
            } else {
                rateLimiter.reconfigure(c);
            }
        });
        change.circuitBreaker().ifPresent(c -> {
            if (circuitBreakers == CircuitBreakers.disabled()) {
                log.warn("reconfigure: circuit breaking is off in this proxy; new circuit-breaker settings ignored (a restart with it enabled is needed)");
            } else {
                circuitBreakers.reconfigure(c);
            }
        });
        change.healthCheck().ifPresent(c -> {
            if (!healthMonitor.enabled()) {
                log.warn("reconfigure: health checks are off in this proxy; new health-check settings ignored (a restart with them enabled is needed)");
            } else {
                healthMonitor.reconfigure(c);
            }
        });
        change.backends().ifPresent(list -> ((InMemoryBackendRepository) backends).replaceAll(list));
    }

    /** @return the address the proxy listens on (the real port when started on port 0) */
    public InetSocketAddress localAddress() {
        return engine.localAddress();
    }

    /** @return client connections open right now (connecting or relaying) */
    public int activeConnections() {
        return connections.activeConnections();
    }

    /** @return where the proxy is in its life */
    public ProxyState state() {
        return state;
    }

    /** @return what stopped the proxy when it is {@link ProxyState#FAILED} */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * @return a future completed with {@link ProxyState#STOPPED} or {@link ProxyState#FAILED} when
     *         the proxy ends; a launcher waits on it to exit non-zero after a failure
     */
    public CompletableFuture<ProxyState> termination() {
        return terminated;
    }

    /** @return the counter of open connections the drain waits on; count your own work with its guards */
    public ShutdownController shutdownController() {
        return connections;
    }

    /** @return how many times a {@link ConnectionListener} threw (each is logged once, then counted) */
    public long listenerFailures() {
        return engine.listenerFailures();
    }

    /**
     * @return bytes held by connections right now for a slower peer, over all event loops: in relay
     *         buffers, and on the epoll transport in splice pipes (kernel memory)
     */
    public long bufferBytesInUse() {
        return engine.bufferBytesInUse();
    }

    /** @return the event loops every socket of this proxy runs on (null before {@link #start()}) */
    public synchronized EventLoops eventLoops() {
        return loops;
    }

    /** @return the one watcher of the backend repository (null before {@link #start()}); subscribe to follow the backend set */
    public synchronized RepositoryWatcher repositoryWatcher() {
        return watcher;
    }

    public BackendRepository backends() {
        return backends;
    }

    public MetricsStore metrics() {
        return metrics;
    }

    public RoutingService routing() {
        return routing;
    }

    /** @return the per-client rate limiter ({@link RateLimiter#unlimited()} when not configured) */
    public RateLimiter rateLimiter() {
        return rateLimiter;
    }

    /** @return the per-backend circuit breakers ({@link CircuitBreakers#disabled()} when not configured) */
    public CircuitBreakers circuitBreakers() {
        return circuitBreakers;
    }

    /** @return the active health checks ({@link HealthMonitor#disabled()} when not configured) */
    public HealthMonitor healthMonitor() {
        return healthMonitor;
    }

    /** @return the pool of warm backend connections ({@link ConnectionPool#disabled()} when not configured) */
    public ConnectionPool connectionPool() {
        return pool;
    }

    /**
     * Stops gracefully: stops accepting at once (the listeners close, so a new client is refused,
     * not left waiting), stops every background task (health probes, pool refills, housekeeping,
     * the repository watch), lets the open connections finish for up to {@code timeout}, then
     * resets (RST) those still open and stops, as {@link #close()} does. Blocks the caller; a
     * {@link #close()} from another thread meanwhile ends the wait at once (a second SIGTERM).
     *
     * @return how many connections finished and how many were reset, and how long it took
     */
    public ShutdownReport shutdown(Duration timeout) {
        long start = System.nanoTime();
        int open = 0;
        boolean running;
        synchronized (this) {
            running = state == ProxyState.RUNNING;
            if (running) {
                engine.closeListeners(); // returns once a new client is refused
                state = ProxyState.DRAINING;
                open = connections.activeConnections();
                log.info("draining: not accepting, waiting up to {} s for {} open connections", timeout.toSeconds(), open);
                stopBackgroundTasks();
            }
        }
        if (!running) {
            close();
            synchronized (this) {
                return new ShutdownReport(0, openAtClose, Duration.ofNanos(System.nanoTime() - start));
            }
        }
        long deadline = start + timeout.toNanos();
        while (connections.activeConnections() > 0 && state == ProxyState.DRAINING && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        close();
        int forced;
        synchronized (this) {
            forced = openAtClose;
        }
        ShutdownReport report = new ShutdownReport(Math.max(0, open - forced), forced, Duration.ofNanos(System.nanoTime() - start));
        log.info("shutdown {}", report);
        return report;
    }

    private void stopBackgroundTasks() {
        if (housekeeping != null) {
            housekeeping.cancel();
        }
        if (watcher != null) {
            watcher.close();
        }
        healthMonitor.close();
        pool.close();
    }

    /**
     * A loop hit an error it cannot survive (out of memory): stop accepting so clients are refused
     * instead of hanging, report {@link ProxyState#FAILED}, and stop.
     */
    private void failClosed(Throwable cause) {
        synchronized (this) {
            if (state == ProxyState.FAILED || state == ProxyState.STOPPED) {
                return;
            }
            failure = cause;
            state = ProxyState.FAILED;
        }
        log.error("proxy FAILED: {} on an event loop; listeners closed, stopping", cause.toString());
        engine.closeListeners();
        try {
            Thread stopper = new Thread(this::close, "edgeproxy-fail-closed"); // not on the failing loop: close() joins the loops
            stopper.setDaemon(true);
            stopper.start();
        } catch (Throwable noThread) {
            // out of memory for a thread too: the listeners are closed; say so to whoever waits
            terminated.complete(ProxyState.FAILED);
        }
    }

    /**
     * Stops at once: stops accepting, stops the extensions and the components, resets every open
     * connection, stops the event loops. Idempotent. See {@link #shutdown(Duration)} for the
     * graceful stop.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            openAtClose = connections.activeConnections();
            if (state != ProxyState.FAILED) {
                state = ProxyState.STOPPED;
            }
            engine.closeListeners();
            for (ProxyExtension extension : extensions) {
                try {
                    extension.close();
                } catch (RuntimeException e) {
                    log.warn("proxy extension {} failed to close", extension, e);
                }
            }
            stopBackgroundTasks();
        }
        if (loops != null) {
            loops.close(); // each loop resets the connections it still holds
        }
        terminated.complete(state);
    }

    /** Builds an {@link EdgeProxy}; {@code listenAddress} and backends are required. */
    public static final class Builder {
        private InetSocketAddress listenAddress;
        private RegionCode region = RegionCode.SA;
        private BackendRepository backends;
        private BindingRepository bindings;
        private Duration bindingTtl = RoutingService.DEFAULT_BINDING_TTL;
        private Duration bindingGcInterval = DEFAULT_BINDING_GC_INTERVAL;
        private GeoResolver geoResolver = GeoResolver.unknown();
        private LoadBalancer loadBalancer = new GeoScoreLoadBalancer();
        private MetricsStore metrics;
        private ProxyConfig config = ProxyConfig.ofDefaults();
        private Ticker ticker = Ticker.system();
        private RateLimitConfig rateLimit;
        private CircuitBreakerConfig circuitBreaker;
        private HealthCheckConfig healthCheck;
        private PoolConfig pool;
        private final List<ClientAdmission> admissions = new ArrayList<>();
        private final List<ConnectionListener> listeners = new ArrayList<>();
        private final List<ProxyExtension> extensions = new ArrayList<>();

        private Builder() {
        }
        /** Turns on per-client rate limiting at accept. Off by default. */
        public Builder rateLimit(RateLimitConfig value) {
            this.rateLimit = Objects.requireNonNull(value, "rateLimit");
            return this;
        }

        /** Turns on a circuit breaker per backend. Off by default. */
        public Builder circuitBreaker(CircuitBreakerConfig value) {
            this.circuitBreaker = Objects.requireNonNull(value, "circuitBreaker");
            return this;
        }

        /** Turns on active health checks of every backend. Off by default. */
        public Builder healthCheck(HealthCheckConfig value) {
            this.healthCheck = Objects.requireNonNull(value, "healthCheck");
            return this;
        }

        /** Turns on warm backend connections. Off by default. */
        public Builder pool(PoolConfig value) {
            this.pool = Objects.requireNonNull(value, "pool");
            return this;
        }

        /**
         * Adds a check at accept, after the rate limiter: the first admission that says no turns the
         * client away with its {@link ClientAdmission#rejectReason()}.
         */
        public Builder admission(ClientAdmission value) {
            admissions.add(Objects.requireNonNull(value, "admission"));
            return this;
        }

        /** Adds a listener for every connection event (metrics, access logs, audits). */
        public Builder connectionListener(ConnectionListener value) {
            listeners.add(Objects.requireNonNull(value, "connectionListener"));
            return this;
        }

        /** Adds something that starts once the proxy listens and closes with it (a metrics endpoint, say). */
        public Builder extension(ProxyExtension value) {
            extensions.add(Objects.requireNonNull(value, "extension"));
            return this;
        }

        /**
         * The clock of binding expiry, rate-limit buckets and circuit timeouts. Defaults to the
         * system clock; tests pass a fake one.
         */
        public Builder ticker(Ticker value) {
            this.ticker = Objects.requireNonNull(value, "ticker");
            return this;
        }

        /** Where clients connect, as {@code host:port} ({@code 0.0.0.0:8080}, {@code [::]:8080}, port 0 = any). */
        public Builder listenAddress(String hostPort) {
            return listenAddress(SocketAddresses.parse(hostPort));
        }

        public Builder listenAddress(InetSocketAddress value) {
            this.listenAddress = Objects.requireNonNull(value, "listenAddress");
            return this;
        }

        /** This proxy's region, used by the geo score. Defaults to {@code sa}. */
        public Builder region(String value) {
            return region(RegionCode.of(value));
        }

        public Builder region(RegionCode value) {
            this.region = Objects.requireNonNull(value, "region");
            return this;
        }

        /** A fixed backend list, held by an {@link InMemoryBackendRepository}. */
        public Builder backends(Collection<Backend> value) {
            return backendRepository(new InMemoryBackendRepository(value));
        }

        /** Where backends come from (in memory, a file, PostgreSQL, ...). */
        public Builder backendRepository(BackendRepository value) {
            this.backends = Objects.requireNonNull(value, "backendRepository");
            return this;
        }

        /**
         * Defaults to an {@link InMemoryBindingRepository} capped by the heap
         * ({@link InMemoryBindingRepository#defaultMaxBindings()}: a tenth of {@code -Xmx}, at most
         * {@value InMemoryBindingRepository#DEFAULT_MAX_BINDINGS} bindings).
         */
        public Builder bindingRepository(BindingRepository value) {
            this.bindings = Objects.requireNonNull(value, "bindingRepository");
            return this;
        }

        /** How long an unused client binding lives. Defaults to 600 seconds, at most 365 days. */
        public Builder bindingTtl(Duration value) {
            RoutingService.builder().bindingTtl(value); // the use case's own rule, checked now
            this.bindingTtl = value;
            return this;
        }

        /** How often expired bindings are removed. Defaults to 60 seconds. */
        public Builder bindingGcInterval(Duration value) {
            if (value == null || value.toMillis() < 1) {
                throw new IllegalArgumentException("bindingGcInterval must be at least 1 ms, but was " + value);
            }
            this.bindingGcInterval = value;
            return this;
        }

        /** Defaults to {@link GeoResolver#unknown()} (every client routed by this proxy's region). */
        public Builder geoResolver(GeoResolver value) {
            this.geoResolver = Objects.requireNonNull(value, "geoResolver");
            return this;
        }

        /** Defaults to {@link GeoScoreLoadBalancer}. */
        public Builder loadBalancer(LoadBalancer value) {
            this.loadBalancer = Objects.requireNonNull(value, "loadBalancer");
            return this;
        }

        /** Defaults to a new {@link InMemoryMetricsStore}. */
        public Builder metrics(MetricsStore value) {
            this.metrics = Objects.requireNonNull(value, "metrics");
            return this;
        }

        /** Engine tuning. Defaults to {@link ProxyConfig#ofDefaults()}. */
        public Builder config(ProxyConfig value) {
            this.config = Objects.requireNonNull(value, "config");
            return this;
        }

        public EdgeProxy build() {
            if (listenAddress == null) {
                throw new IllegalStateException("listenAddress is required, e.g. .listenAddress(\"0.0.0.0:8080\")");
            }
            if (backends == null) {
                throw new IllegalStateException("backends are required: .backends(list) or .backendRepository(repository)");
            }
            if (bindings == null) {
                bindings = new InMemoryBindingRepository();
            }
            if (metrics == null) {
                metrics = new InMemoryMetricsStore();
            }
            if (circuitBreaker != null) {
                requireTrialLongerThanConnect(circuitBreaker, config);
            }
            return new EdgeProxy(this);
        }

        private static void requireTrialLongerThanConnect(CircuitBreakerConfig circuitBreaker, ProxyConfig config) {
            Duration trial = config.connectTimeout().plus(BackendGate.VERDICT_WINDOW);
            if (circuitBreaker.trialTimeout().compareTo(trial) <= 0) {
                throw new IllegalArgumentException("circuit breaker trialTimeout (" + circuitBreaker.trialTimeout()
                        + ") must be longer than the connect timeout (" + config.connectTimeout()
                        + ") plus the 1 s verdict window, or every slow half-open trial would count as failed");
            }
        }
    }
}
