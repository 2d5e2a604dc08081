package io.edgeproxy.infrastructure;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.RegionCode;
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
import io.edgeproxy.infrastructure.proxy.internal.EngineHooks;
import io.edgeproxy.infrastructure.proxy.internal.ProxyEngine;
import io.edgeproxy.infrastructure.ratelimit.RateLimitConfig;
import io.edgeproxy.infrastructure.ratelimit.RateLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

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
 * loops. The in-memory adapters are the defaults for every port. Thread-safe; {@link #close()}
 * stops accepting, closes every connection and stops the loops.
 *
 * <p>The resilience components act on every connection once switched on:
 * <ul>
 *   <li>{@link Builder#rateLimit(RateLimitConfig)}: a token bucket per client IP, checked at accept
 *       before any routing; a client without a token is closed at once (counted as
 *       {@code rate_limited}).</li>
 *   <li>{@link Builder#circuitBreaker(CircuitBreakerConfig)}: a breaker per backend. A connect refused,
 *       timed out or reset before the backend's first byte is a failure; the backend's first byte, a
 *       clean end or one second established without failing is a success; our own errors and the
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
    private final RateLimiter rateLimiter;
    private final CircuitBreakers circuitBreakers;
    private final HealthMonitor healthMonitor;
    private final ConnectionPool pool;
    private final BackendAvailability availability;
    private final ProxyEngine engine;
    private ScheduledExecutorService control;

    private EdgeProxy(Builder b) {
        this.listenAddress = b.listenAddress;
        this.backends = b.backends;
        this.metrics = b.metrics;
        this.bindingGcInterval = b.bindingGcInterval;
        this.rateLimiter = b.rateLimit == null ? RateLimiter.unlimited() : new RateLimiter(b.rateLimit);
        this.circuitBreakers = b.circuitBreaker == null ? CircuitBreakers.disabled() : new CircuitBreakers(b.circuitBreaker);
        this.healthMonitor = b.healthCheck == null ? null : new HealthMonitor(b.backends, b.healthCheck);
        this.pool = b.pool == null ? null : new ConnectionPool(b.pool);
        this.availability = healthMonitor == null ? circuitBreakers : healthMonitor.and(circuitBreakers);
        this.routing = RoutingService.builder()
                .backends(b.backends)
                .bindings(b.bindings)
                .geoResolver(b.geoResolver)
                .loadBalancer(b.loadBalancer)
                .availability(availability)
                .localRegion(b.region)
                .bindingTtl(b.bindingTtl)
                .build();
        this.engine = new ProxyEngine(b.config, routing, metrics, hooks());
    }

    private EngineHooks hooks() {
        EngineHooks.ClientAdmission admission = b -> true;
        if (rateLimiter != RateLimiter.unlimited()) {
            admission = rateLimiter::check;
        }
        EngineHooks.BackendGate gate = EngineHooks.BackendGate.OPEN;
        if (circuitBreakers != CircuitBreakers.disabled()) {
            // Bridge until the engine takes the public BackendGate (issue 6): this internal gate names
            // only the backend, so each backend's outstanding permits are settled oldest first.
            gate = new EngineHooks.BackendGate() {
                private final java.util.concurrent.ConcurrentHashMap<String,
                        java.util.Queue<io.edgeproxy.infrastructure.proxy.BackendGate.Permit>> held =
                        new java.util.concurrent.ConcurrentHashMap<>();

                @Override
                public boolean tryAcquire(Backend backend) {
                    io.edgeproxy.infrastructure.proxy.BackendGate.Permit p = circuitBreakers.tryAcquire(backend);
                    if (p == io.edgeproxy.infrastructure.proxy.BackendGate.Permit.DENIED) {
                        return false;
                    }
                    held.computeIfAbsent(backend.id(), id -> new java.util.concurrent.ConcurrentLinkedQueue<>()).add(p);
                    return true;
                }

                private io.edgeproxy.infrastructure.proxy.BackendGate.Permit permit(Backend backend) {
                    java.util.Queue<io.edgeproxy.infrastructure.proxy.BackendGate.Permit> q = held.get(backend.id());
                    io.edgeproxy.infrastructure.proxy.BackendGate.Permit p = q == null ? null : q.poll();
                    return p == null ? io.edgeproxy.infrastructure.proxy.BackendGate.Permit.NONE : p;
                }

                @Override
                public void onSuccess(Backend backend) {
                    permit(backend).onSuccess();
                }

                @Override
                public void onFailure(Backend backend) {
                    permit(backend).onFailure();
                }

                @Override
                public void release(Backend backend) {
                    permit(backend).release();
                }
            };
        }
        EngineHooks.WarmConnections warm = backend -> null;
        if (pool != null) {
            warm = backend -> pool.takeWarm(backend.id());
        }
        return new EngineHooks(admission, gate, warm);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the listener and starts the event loops and the control-plane scheduler.
     *
     * @return this proxy, to chain with the builder
     * @throws UncheckedIOException when the address cannot be bound (names the address)
     */
    public synchronized EdgeProxy start() {
        if (control != null) {
            throw new IllegalStateException("proxy already started");
        }
        try {
            engine.start(listenAddress);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + SocketAddresses.format(listenAddress) + ": "
                    + e.getMessage(), e);
        }
        try {
            startControlPlane();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("edgeproxy listening on {} (region {}, {} event loops, {} backends)",
                SocketAddresses.format(engine.localAddress()), routing.localRegion(), engine.eventLoops(),
                backends.all().size());
        return this;
    }

    private void startControlPlane() {
        control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgeproxy-control");
            t.setDaemon(true);
            return t;
        });
        long gc = bindingGcInterval.toMillis();
        control.scheduleWithFixedDelay(this::collectGarbage, gc, gc, TimeUnit.MILLISECONDS);
        if (healthMonitor != null) {
            healthMonitor.start();
        }
        if (pool != null) {
            pool.startWarming(backends, availability);
        }
    }

    /**
     * Control-plane housekeeping: expired bindings, full rate-limit buckets, and the load counters
     * and breakers of backends that left the repository.
     */
    private void collectGarbage() {
        try {
            int removed = routing.removeExpiredBindings();
            if (removed > 0) {
                log.debug("bindings: removed {} expired", removed);
            }
            rateLimiter.cleanUp();
            java.util.Set<String> ids = new java.util.HashSet<>();
            for (Backend b : backends.all()) {
                ids.add(b.id());
            }
            routing.load().retainOnly(ids);
            if (circuitBreakers != CircuitBreakers.disabled()) {
                circuitBreakers.retainOnly(ids);
            }
        } catch (RuntimeException e) {
            log.warn("housekeeping failed; next run in {}", bindingGcInterval, e);
        }
    }

    /** @return the address the proxy listens on (the real port when started on port 0) */
    public InetSocketAddress localAddress() {
        return engine.localAddress();
    }

    /** @return client connections open right now (connecting or relaying) */
    public int activeConnections() {
        return engine.activeConnections();
    }

    /** @return bytes of relay buffers held by connections right now, over all event loops */
    public long bufferBytesInUse() {
        return engine.bufferBytesInUse();
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

    /** @return the active health checks, when configured */
    public Optional<HealthMonitor> healthMonitor() {
        return Optional.ofNullable(healthMonitor);
    }

    /** @return the pool of warm backend connections, when configured */
    public Optional<ConnectionPool> connectionPool() {
        return Optional.ofNullable(pool);
    }

    /** Stops accepting, closes every connection, stops the event loops. Idempotent. */
    @Override
    public synchronized void close() {
        engine.close();
        if (control != null) {
            control.shutdownNow();
        }
        if (healthMonitor != null) {
            healthMonitor.close();
        }
        if (pool != null) {
            pool.close();
        }
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
        private RateLimitConfig rateLimit;
        private CircuitBreakerConfig circuitBreaker;
        private HealthCheckConfig healthCheck;
        private PoolConfig pool;

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

        /** Defaults to an {@link InMemoryBindingRepository} of {@value InMemoryBindingRepository#DEFAULT_MAX_BINDINGS} bindings at most. */
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
                Duration trial = config.connectTimeout().plus(EngineHooks.BackendGate.VERDICT_WINDOW);
                if (circuitBreaker.trialTimeout().compareTo(trial) <= 0) {
                    throw new IllegalArgumentException("circuit breaker trialTimeout (" + circuitBreaker.trialTimeout()
                            + ") must be longer than the connect timeout (" + config.connectTimeout()
                            + ") plus the 1 s verdict window, or every slow half-open trial would count as failed");
                }
            }
            return new EdgeProxy(this);
        }
    }
}
