package io.edgeproxy.adapters.prometheus;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.MetricsStore;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.ProxyExtension;
import io.edgeproxy.infrastructure.ProxyState;
import io.edgeproxy.infrastructure.circuit.CircuitBreaker;
import io.edgeproxy.infrastructure.circuit.CircuitBreakers;
import io.edgeproxy.infrastructure.circuit.CircuitState;
import io.edgeproxy.infrastructure.health.HealthMonitor;
import io.edgeproxy.infrastructure.health.HealthStatus;
import io.edgeproxy.infrastructure.net.SocketAddresses;
import io.edgeproxy.infrastructure.pool.ConnectionPool;
import io.edgeproxy.infrastructure.pool.PoolStats;
import io.edgeproxy.infrastructure.proxy.BackendsListener;
import io.edgeproxy.infrastructure.proxy.CloseReason;
import io.edgeproxy.infrastructure.proxy.ConnectionListener;
import io.edgeproxy.infrastructure.proxy.ProxiedConnection;
import io.edgeproxy.infrastructure.proxy.RejectReason;
import io.edgeproxy.infrastructure.proxy.RepositoryWatcher;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.StatefulMetric;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The proxy's metrics in Prometheus form, on the official client (1.x): the seed's eight metrics
 * under exactly its names, plus refused connections by reason, circuit and health state per
 * backend, the warm pool, whether the proxy is draining, config reloads (once
 * {@link #countReloads} is given their counts), and the client's JVM and process metrics. See
 * {@code docs/metrics.md}.
 *
 * <p><b>Three roles in one object.</b> As a {@link ConnectionListener} it hears the engine's
 * connection events, which is how a proxy feeds it. As a {@link ProxyExtension} it starts with the
 * proxy: it watches the backend set (series of a removed backend are removed, so label
 * cardinality follows the live backends), reads the circuit breakers, health checks and pool at
 * scrape time, and serves the HTTP endpoint when {@link PrometheusMetricsConfig#enabled()}; it stops
 * with the proxy. As a {@link MetricsStore} it takes the port's calls from an embedder that reports
 * by hand. Give it to a proxy as a listener and an extension, <em>not</em> also as the proxy's
 * {@code MetricsStore}, or every connection is counted twice.
 *
 * <pre>{@code
 * PrometheusMetricsStore metrics = PrometheusMetricsStore.builder()
 *         .endpoint(PrometheusMetricsConfig.enabled("0.0.0.0:9090", "/metrics"))
 *         .build();
 * EdgeProxy proxy = metrics.applyTo(EdgeProxy.builder())   // connectionListener(metrics).extension(metrics)
 *         .listenAddress("0.0.0.0:8080").backends(backends).build().start();
 * String text = metrics.scrape();   // or let Prometheus scrape http://host:9090/metrics
 * }</pre>
 *
 * <p><b>Hot path.</b> Events come on the event loops. Nothing there takes a lock or looks up a
 * label: the unlabelled series and one series per {@link RejectReason} are resolved once at
 * construction ({@code draining}, which the engine never reports, on its first use), and a backend's series are resolved once, on its first connection, into a
 * {@code BackendSeries} cached by backend id (a lock-free {@link ConcurrentHashMap#get}). The
 * client's counters are {@code LongAdder}s; exemplars are off. {@link #onBytes} allocates nothing.
 * The backend a connection is established with is remembered per event-loop thread (events of one
 * connection always come on the loop that owns it), to lower its active gauge at the end.
 *
 * <p>Thread-safe.
 */
public final class PrometheusMetricsStore implements MetricsStore, ConnectionListener, ProxyExtension {

    private static final Logger log = LoggerFactory.getLogger(PrometheusMetricsStore.class);

    /**
     * Upper bounds of {@code edgeproxy_backend_rtt_seconds}, in seconds: connect times from 100 us
     * (a backend on the same host) to 10 s (beyond any sane connect timeout).
     */
    public static final double[] RTT_BUCKETS_SECONDS = {
            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    static final String BACKEND = "backend";
    private static final double NANOS_PER_SECOND = 1e9;
    private static final String[] CIRCUIT_STATES = {"closed", "open", "half_open"};

    private final PrometheusRegistry registry;
    private final PrometheusMetricsConfig endpointConfig;

    private final Counter connectionsTotal;
    private final Gauge connectionsActive;
    private final Counter bytesSent;
    private final Counter bytesReceived;
    private final Counter backendConnectionsTotal;
    private final Gauge backendConnectionsActive;
    private final Counter backendErrors;
    private final Histogram backendRtt;
    private final Counter rejected;
    private final Counter circuitTransitions;
    private final Counter healthTransitions;
    private final List<StatefulMetric<?, ?>> perBackend;
    /** The proxy this store is an extension of, read by {@code edgeproxy_draining}; null when not bound. */
    private volatile EdgeProxy proxy;

    private final CounterDataPoint[] rejectedByReason;
    private final ConcurrentHashMap<String, CounterDataPoint> rejectedByLabel = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, BackendSeries> series = new ConcurrentHashMap<>();
    /** Per event-loop thread: connection id to the series of the backend it is established with. */
    private final ThreadLocal<Map<Long, BackendSeries>> established = ThreadLocal.withInitial(HashMap::new);
    /** The live backend ids, sorted as the repository lists them; null until a backend set was seen. */
    private volatile List<String> liveBackends;
    private volatile Set<String> liveIds;

    private final Object lifecycle = new Object();
    private final List<Collector> proxyCollectors = new ArrayList<>();
    private final BackendsListener backendsListener = this::backendsChanged;
    private RepositoryWatcher watcher;
    private HTTPServer server;
    private Collector reloads;
    private boolean closed;

    private PrometheusMetricsStore(Builder b) {
        this.registry = b.registry;
        this.endpointConfig = b.endpoint;

        connectionsTotal = Counter.builder().name("edgeproxy_connections_total")
                .help("Client connections accepted and admitted").withoutExemplars().register(registry);
        connectionsActive = Gauge.builder().name("edgeproxy_connections_active")
                .help("Client connections open now (connecting or relaying)").withoutExemplars().register(registry);
        bytesSent = Counter.builder().name("edgeproxy_bytes_sent_total").labelNames(BACKEND)
                .help("Bytes relayed from clients to the backend").withoutExemplars().register(registry);
        bytesReceived = Counter.builder().name("edgeproxy_bytes_received_total").labelNames(BACKEND)
                .help("Bytes relayed from the backend back to clients").withoutExemplars().register(registry);
        backendConnectionsTotal = Counter.builder().name("edgeproxy_backend_connections_total").labelNames(BACKEND)
                .help("Connections established with the backend").withoutExemplars().register(registry);
        backendConnectionsActive = Gauge.builder().name("edgeproxy_backend_connections_active").labelNames(BACKEND)
                .help("Connections established with the backend and open now").withoutExemplars().register(registry);
        backendErrors = Counter.builder().name("edgeproxy_backend_errors_total").labelNames(BACKEND)
                .help("Attempts that failed because of the backend: connect refused or timed out, reset before its first byte")
                .withoutExemplars().register(registry);
        backendRtt = Histogram.builder().name("edgeproxy_backend_rtt_seconds").unit(Unit.SECONDS).labelNames(BACKEND)
                .help("Time the backend took to accept a TCP connection (connect round trip); warm spares are not observed")
                .classicOnly().classicUpperBounds(RTT_BUCKETS_SECONDS).withoutExemplars().register(registry);
        rejected = Counter.builder().name("edgeproxy_connections_rejected_total").labelNames("reason")
                .help("Clients turned away before any backend served them, by reason").withoutExemplars().register(registry);
        circuitTransitions = Counter.builder().name("edgeproxy_backend_circuit_transitions_total").labelNames(BACKEND, "to")
                .help("Circuit breaker state changes of the backend, by the state entered").withoutExemplars().register(registry);
        healthTransitions = Counter.builder().name("edgeproxy_backend_health_transitions_total").labelNames(BACKEND, "to")
                .help("Health check verdict changes of the backend (to up or down)").withoutExemplars().register(registry);
        perBackend = List.of(bytesSent, bytesReceived, backendConnectionsTotal, backendConnectionsActive, backendErrors,
                backendRtt);
        GaugeWithCallback.builder().name("edgeproxy_draining")
                .help("1 while the proxy drains for shutdown (not accepting; open connections finish), else 0")
                .callback(cb -> {
                    EdgeProxy p = proxy;
                    cb.call(p != null && p.state() == ProxyState.DRAINING ? 1 : 0);
                })
                .register(registry);

        RejectReason[] reasons = RejectReason.values();
        rejectedByReason = new CounterDataPoint[reasons.length];
        for (RejectReason r : reasons) {
            if (r != RejectReason.DRAINING && r != RejectReason.MAX_CONNECTIONS) {
                rejectedByReason[r.ordinal()] = rejected.labelValues(r.label());
                rejectedByLabel.put(r.label(), rejectedByReason[r.ordinal()]);
            }
        }
        if (b.jvmMetrics) {
            JvmMetrics.builder().register(registry);
        }
    }

    /** @return a store with JVM metrics, in its own registry, without an HTTP endpoint */
    public static PrometheusMetricsStore create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- connection events (event loops)

    @Override
    public void onOpened(ProxiedConnection connection) {
        connectionsTotal.inc();
        connectionsActive.inc();
    }

    /**
     * Counts a refused client under its reason. Every reason starts at zero except {@code draining}
     * and {@code max_connections}: a draining proxy has closed its listeners, so the kernel refuses
     * new clients, and a proxy at its connection cap stops accepting, so new clients wait in the
     * kernel's backlog; the engine sees neither. Those series appear only if a
     * {@code ClientAdmission} of the embedder's reports that reason.
     */
    @Override
    public void onRejected(InetSocketAddress client, ProxiedConnection connection, RejectReason reason) {
        CounterDataPoint p = rejectedByReason[reason.ordinal()];
        if (p == null) {   // draining, max_connections: rare, resolved on their first use
            p = rejectedByLabel.computeIfAbsent(reason.label(), rejected::labelValues);
        }
        p.inc();
    }

    @Override
    public void onRouted(ProxiedConnection connection, Backend backend) {
        seriesFor(backend.id());   // resolve the backend's series now, once, before the connect
    }

    @Override
    public void onConnected(ProxiedConnection connection, Backend backend, long connectNanos) {
        BackendSeries s = seriesFor(backend.id());
        s.connections.inc();
        s.active.inc();
        if (connectNanos >= 0) {
            s.rtt.observe(connectNanos / NANOS_PER_SECOND);
        }
        BackendSeries before = established.get().put(connection.id(), s);
        if (before != null) {   // not expected: the engine reports a failure before a new attempt
            release(before);
        }
    }

    @Override
    public void onBackendFailed(ProxiedConnection connection, Backend backend, Exception cause) {
        BackendSeries s = seriesFor(backend.id());
        s.errors.inc();
        Map<Long, BackendSeries> open = established.get();
        if (!open.isEmpty()) {
            BackendSeries was = open.get(connection.id());
            if (was != null && was.backendId.equals(backend.id())) {   // failed after it was established
                open.remove(connection.id());
                release(was);
            }
        }
    }

    @Override
    public void onBytes(ProxiedConnection connection, Backend backend, long up, long down) {
        BackendSeries s = series.get(backend.id());
        if (s == null) {
            return;   // the backend left the repository: its series are gone, as it is
        }
        if (up > 0) {
            s.bytesSent.inc(up);
        }
        if (down > 0) {
            s.bytesReceived.inc(down);
        }
    }

    @Override
    public void onClosed(ProxiedConnection connection, CloseReason reason) {
        connectionsActive.dec();
        Map<Long, BackendSeries> open = established.get();
        if (!open.isEmpty()) {
            BackendSeries s = open.remove(connection.id());
            if (s != null) {
                release(s);
            }
        }
    }

    private void release(BackendSeries s) {
        s.active.dec();
        Set<String> live = liveIds;
        if (live != null && !live.contains(s.backendId)) {
            removeSeries(s.backendId);   // its last connection ended after the backend left
        }
    }

    // ---------------------------------------------------------------- MetricsStore port (embedders)

    /** Counts a connection to this backend, in the totals and in the backend's series. */
    @Override
    public void recordConnection(String backendId) {
        connectionsTotal.inc();
        connectionsActive.inc();
        BackendSeries s = seriesFor(backendId);
        s.connections.inc();
        s.active.inc();
    }

    @Override
    public void recordDisconnection(String backendId, Duration duration) {
        connectionsActive.dec();
        BackendSeries s = series.get(backendId);
        if (s != null) {
            s.active.dec();
        }
    }

    @Override
    public void recordBytesSent(String backendId, long bytes) {
        if (bytes > 0) {
            seriesFor(backendId).bytesSent.inc(bytes);
        }
    }

    @Override
    public void recordBytesReceived(String backendId, long bytes) {
        if (bytes > 0) {
            seriesFor(backendId).bytesReceived.inc(bytes);
        }
    }

    @Override
    public void recordError(String backendId) {
        seriesFor(backendId).errors.inc();
    }

    @Override
    public void recordConnectRtt(String backendId, long rttNanos) {
        if (rttNanos >= 0) {
            seriesFor(backendId).rtt.observe(rttNanos / NANOS_PER_SECOND);
        }
    }

    /** @param reason a {@link RejectReason#label()} such as {@code rate_limited}, or any other short label */
    @Override
    public void recordRejected(String reason) {
        CounterDataPoint p = rejectedByLabel.get(reason);
        if (p == null) {
            p = rejectedByLabel.computeIfAbsent(reason.toLowerCase(Locale.ROOT), rejected::labelValues);
        }
        p.inc();
    }

    // ---------------------------------------------------------------- the backend set

    /**
     * The backend set changed: series of backends not in {@code backends} are removed (a backend
     * with connections still open keeps its series until they end), and every backend in it gets its
     * series at zero, so rates and ratios over them exist before the first connection. Fed by the
     * proxy's {@link RepositoryWatcher} once started as an extension; an embedder without one may
     * call it.
     */
    public void backendsChanged(List<Backend> backends) {
        List<String> ids = new ArrayList<>(backends.size());
        for (Backend b : backends) {
            ids.add(b.id());
        }
        retainOnly(ids);
    }

    /** As {@link #backendsChanged(List)}, by backend id. */
    public void retainOnly(Collection<String> backendIds) {
        List<String> ids = List.copyOf(backendIds);
        Set<String> keep = Set.copyOf(new HashSet<>(ids));
        liveBackends = ids;
        liveIds = keep;
        for (String id : series.keySet()) {
            if (!keep.contains(id)) {
                removeSeries(id);
            }
        }
        for (String id : ids) {
            seriesFor(id);   // every live backend shows its series from the start, at zero
        }
        circuitTransitions.removeIf(labels -> !keep.contains(labels.get(0)));
        healthTransitions.removeIf(labels -> !keep.contains(labels.get(0)));
    }

    private BackendSeries seriesFor(String backendId) {
        BackendSeries s = series.get(backendId);
        return s != null ? s : series.computeIfAbsent(backendId, BackendSeries::new);
    }

    private void removeSeries(String backendId) {
        if (series.remove(backendId) != null) {
            for (StatefulMetric<?, ?> m : perBackend) {
                m.remove(backendId);
            }
        }
    }

    /** @return the backend ids that currently have series, for tests and diagnostics */
    Set<String> backendsWithSeries() {
        return Set.copyOf(series.keySet());
    }

    /** The label children of one backend, resolved once. */
    private final class BackendSeries {
        final String backendId;
        final CounterDataPoint connections;
        final GaugeDataPoint active;
        final CounterDataPoint bytesSent;
        final CounterDataPoint bytesReceived;
        final CounterDataPoint errors;
        final DistributionDataPoint rtt;

        BackendSeries(String backendId) {
            this.backendId = backendId;
            this.connections = backendConnectionsTotal.labelValues(backendId);
            this.active = backendConnectionsActive.labelValues(backendId);
            this.bytesSent = PrometheusMetricsStore.this.bytesSent.labelValues(backendId);
            this.bytesReceived = PrometheusMetricsStore.this.bytesReceived.labelValues(backendId);
            this.errors = backendErrors.labelValues(backendId);
            this.rtt = backendRtt.labelValues(backendId);
        }
    }

    // ---------------------------------------------------------------- extension: components and endpoint

    /**
     * Binds to a started proxy: follows its backend set, adds the circuit, health and pool metrics of
     * the components it has switched on, and starts the HTTP endpoint when configured.
     */
    @Override
    public void start(EdgeProxy proxy) throws IOException {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("metrics store closed");
            }
            RepositoryWatcher watcher = proxy.repositoryWatcher();
            watcher.subscribe(backendsListener);
            this.watcher = watcher;
            this.proxy = proxy;
            bindComponents(proxy);
        }
        startEndpoint();
    }

    /**
     * Adds this store to {@code builder} as a connection listener and an extension (not as its
     * {@code MetricsStore}: that would count every connection twice).
     *
     * @return {@code builder}
     */
    public EdgeProxy.Builder applyTo(EdgeProxy.Builder builder) {
        return builder.connectionListener(this).extension(this);
    }

    private void bindComponents(EdgeProxy proxy) {
        CircuitBreakers breakers = proxy.circuitBreakers();
        if (breakers != CircuitBreakers.disabled()) {
            breakers.onStateChange(this::circuitChanged);
            proxyCollectors.add(GaugeWithCallback.builder().name("edgeproxy_backend_circuit_state")
                    .help("Circuit breaker state of the backend: 1 for the current state, 0 for the others")
                    .labelNames(BACKEND, "state")
                    .callback(cb -> forEachLive(id -> {
                        CircuitState state = breakers.find(id).map(CircuitBreaker::state).orElse(CircuitState.CLOSED);
                        for (CircuitState s : CircuitState.values()) {
                            cb.call(s == state ? 1 : 0, id, CIRCUIT_STATES[s.ordinal()]);
                        }
                    }))
                    .register(registry));
        }
        HealthMonitor health = proxy.healthMonitor();
        if (health.enabled()) {
            health.onChange(this::healthChanged);
            proxyCollectors.add(GaugeWithCallback.builder().name("edgeproxy_backend_healthy")
                    .help("Whether active health checks find the backend up (1) or down (0)")
                    .labelNames(BACKEND)
                    .callback(cb -> forEachLive(id -> cb.call(health.isHealthy(id) ? 1 : 0, id)))
                    .register(registry));
        }
        ConnectionPool pool = proxy.connectionPool();
        if (pool.enabled()) {
            proxyCollectors.add(GaugeWithCallback.builder().name("edgeproxy_pool_connections")
                    .help("Backend connections held by the warm pool: idle (warm spares) or in use")
                    .labelNames(BACKEND, "state")
                    .callback(cb -> forEachLive(id -> {
                        PoolStats s = pool.stats(id);
                        cb.call(s.idle(), id, "idle");
                        cb.call(s.inUse(), id, "in_use");
                    }))
                    .register(registry));
            proxyCollectors.add(CounterWithCallback.builder().name("edgeproxy_pool_warm_taken_total")
                    .help("Warm spares handed to new clients (each skipped a connect round trip)")
                    .labelNames(BACKEND)
                    .callback(cb -> forEachLive(id -> cb.call(pool.stats(id).warmTaken(), id)))
                    .register(registry));
        }
    }

    /**
     * Adds {@code edgeproxy_config_reloads_total{result="ok"|"failed"}}, read from these counts at
     * scrape time; typically {@code store.countReloads(reloads::succeeded, reloads::failed)} with the
     * launcher's {@link io.edgeproxy.infrastructure.config.ConfigReloads}. Until it is called the
     * metric is absent (a proxy without a reloadable config has no reloads to count). Calling it
     * again replaces the counts read. The suppliers must be cheap and thread-safe, and never decrease.
     */
    public void countReloads(LongSupplier succeeded, LongSupplier failed) {
        Objects.requireNonNull(succeeded, "succeeded");
        Objects.requireNonNull(failed, "failed");
        synchronized (lifecycle) {
            if (reloads != null) {
                registry.unregister(reloads);
            }
            reloads = CounterWithCallback.builder().name("edgeproxy_config_reloads_total")
                    .help("Config file reloads, by result: ok (applied) or failed (rejected, the running configuration stayed)")
                    .labelNames("result")
                    .callback(cb -> {
                        cb.call(succeeded.getAsLong(), "ok");
                        cb.call(failed.getAsLong(), "failed");
                    })
                    .register(registry);
        }
    }

    private void forEachLive(java.util.function.Consumer<String> action) {
        List<String> ids = liveBackends;
        if (ids != null) {
            ids.forEach(action);
        }
    }

    private void circuitChanged(CircuitBreaker breaker, CircuitState from, CircuitState to) {
        Set<String> live = liveIds;
        if (live == null || live.contains(breaker.name())) {
            circuitTransitions.labelValues(breaker.name(), CIRCUIT_STATES[to.ordinal()]).inc();
        }
    }

    private void healthChanged(String backendId, HealthStatus status) {
        Set<String> live = liveIds;
        if (live == null || live.contains(backendId)) {
            healthTransitions.labelValues(backendId, status.healthy() ? "up" : "down").inc();
        }
    }

    /**
     * Starts the HTTP endpoint when {@link PrometheusMetricsConfig#enabled()} (idempotent); for use
     * without a proxy, since {@link #start(EdgeProxy)} calls it.
     *
     * @throws UncheckedIOException when the address cannot be bound (names the address)
     */
    public void startEndpoint() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("metrics store closed");
            }
            if (!endpointConfig.enabled() || server != null) {
                return;
            }
            InetSocketAddress at = endpointConfig.listenAddress();
            try {
                server = HTTPServer.builder()
                        .inetAddress(at.getAddress())
                        .port(at.getPort())
                        .metricsHandlerPath(endpointConfig.path())
                        .registry(registry)
                        .buildAndStart();
            } catch (IOException e) {
                throw new UncheckedIOException("metrics endpoint cannot listen on " + SocketAddresses.format(at) + ": "
                        + e.getMessage(), e);
            }
            log.info("metrics endpoint on http://{}{}", SocketAddresses.format(endpointAddress()), endpointConfig.path());
        }
    }

    /** @return where the endpoint listens (with the real port when configured with 0), or null when it does not run */
    public InetSocketAddress endpointAddress() {
        synchronized (lifecycle) {
            return server == null ? null
                    : new InetSocketAddress(endpointConfig.listenAddress().getAddress(), server.getPort());
        }
    }

    /** @return the endpoint's configuration */
    public PrometheusMetricsConfig endpoint() {
        return endpointConfig;
    }

    /** @return the registry every metric lives in (add the application's own metrics to it, if you like) */
    public PrometheusRegistry registry() {
        return registry;
    }

    /**
     * @return the exposition in the Prometheus text format (version 0.0.4), for an application that
     *         serves it itself; content type {@link #CONTENT_TYPE}
     */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // a ByteArrayOutputStream does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The content type of {@link #scrape()}. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    /** Stops the endpoint and drops the component metrics bound to a proxy. Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            closed = true;
            if (server != null) {
                server.close();
                server = null;
            }
            proxyCollectors.forEach(registry::unregister);
            proxyCollectors.clear();
            proxy = null;   // edgeproxy_draining reads 0 from now on: the proxy has stopped
            if (watcher != null) {
                watcher.unsubscribe(backendsListener);
                watcher = null;
            }
        }
    }

    @Override
    public String toString() {
        return "PrometheusMetricsStore[" + series.size() + " backends, endpoint "
                + (endpointConfig.enabled() ? SocketAddresses.format(endpointConfig.listenAddress()) + endpointConfig.path() : "off")
                + "]";
    }

    /** Builds a {@link PrometheusMetricsStore}. */
    public static final class Builder {
        private PrometheusRegistry registry;
        private PrometheusMetricsConfig endpoint = PrometheusMetricsConfig.ofDefaults();
        private boolean jvmMetrics = true;

        private Builder() {
        }

        /** The HTTP endpoint. Defaults to {@link PrometheusMetricsConfig#ofDefaults()} (off). */
        public Builder endpoint(PrometheusMetricsConfig value) {
            this.endpoint = Objects.requireNonNull(value, "endpoint");
            return this;
        }

        /** Where the metrics are registered. Defaults to a new registry of this store's own. */
        public Builder registry(PrometheusRegistry value) {
            this.registry = Objects.requireNonNull(value, "registry");
            return this;
        }

        /** Whether to add the client's JVM and process metrics ({@code jvm_*}, {@code process_*}). Defaults to true. */
        public Builder jvmMetrics(boolean value) {
            this.jvmMetrics = value;
            return this;
        }

        public PrometheusMetricsStore build() {
            if (registry == null) {
                registry = new PrometheusRegistry();
            }
            return new PrometheusMetricsStore(this);
        }
    }
}
