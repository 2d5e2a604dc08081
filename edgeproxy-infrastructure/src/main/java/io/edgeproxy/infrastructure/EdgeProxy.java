package io.edgeproxy.infrastructure;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.domain.port.BackendRepository;
import io.edgeproxy.domain.port.BindingRepository;
import io.edgeproxy.domain.port.GeoResolver;
import io.edgeproxy.domain.port.LoadBalancer;
import io.edgeproxy.domain.port.MetricsStore;
import io.edgeproxy.domain.routing.GeoScoreLoadBalancer;
import io.edgeproxy.domain.routing.RoutingService;
import io.edgeproxy.infrastructure.memory.InMemoryBackendRepository;
import io.edgeproxy.infrastructure.memory.InMemoryBindingRepository;
import io.edgeproxy.infrastructure.memory.InMemoryMetricsStore;
import io.edgeproxy.infrastructure.net.SocketAddresses;
import io.edgeproxy.infrastructure.proxy.ProxyConfig;
import io.edgeproxy.infrastructure.proxy.internal.EngineHooks;
import io.edgeproxy.infrastructure.proxy.internal.ProxyEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
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
    private final ProxyEngine engine;
    private ScheduledExecutorService control;

    private EdgeProxy(Builder b) {
        this.listenAddress = b.listenAddress;
        this.backends = b.backends;
        this.metrics = b.metrics;
        this.bindingGcInterval = b.bindingGcInterval;
        this.routing = RoutingService.builder()
                .backends(b.backends)
                .bindings(b.bindings)
                .geoResolver(b.geoResolver)
                .loadBalancer(b.loadBalancer)
                .localRegion(b.region)
                .bindingTtl(b.bindingTtl)
                .build();
        this.engine = new ProxyEngine(b.config, routing, metrics, EngineHooks.none());
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
        control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgeproxy-control");
            t.setDaemon(true);
            return t;
        });
        long gc = bindingGcInterval.toMillis();
        control.scheduleWithFixedDelay(this::removeExpiredBindings, gc, gc, TimeUnit.MILLISECONDS);
        log.info("edgeproxy listening on {} (region {}, {} event loops, {} backends)",
                SocketAddresses.format(engine.localAddress()), routing.localRegion(), engine.eventLoops(),
                backends.all().size());
        return this;
    }

    private void removeExpiredBindings() {
        try {
            int removed = routing.removeExpiredBindings();
            if (removed > 0) {
                log.debug("bindings: removed {} expired", removed);
            }
        } catch (RuntimeException e) {
            log.warn("bindings: garbage collection failed", e);
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

    /** Stops accepting, closes every connection, stops the event loops. Idempotent. */
    @Override
    public synchronized void close() {
        engine.close();
        if (control != null) {
            control.shutdownNow();
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

        private Builder() {
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

        /** How long an unused client binding lives. Defaults to 600 seconds. */
        public Builder bindingTtl(Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("bindingTtl must be positive, but was " + value);
            }
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
            return new EdgeProxy(this);
        }
    }
}
