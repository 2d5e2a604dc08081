package io.edgeproxy.infrastructure.config;

import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.domain.routing.RoutingService;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.loop.Transport;
import io.edgeproxy.infrastructure.memory.InMemoryBindingRepository;
import io.edgeproxy.infrastructure.proxy.ProxyConfig;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The settings of a standalone proxy, read from {@code EDGEPROXY_*} environment variables.
 * Immutable; every component is validated and has a documented default.
 *
 * <table>
 *   <caption>Variables</caption>
 *   <tr><th>variable</th><th>default</th><th>component</th></tr>
 *   <tr><td>{@code EDGEPROXY_LISTEN_ADDR}</td><td>{@code 0.0.0.0:8080}</td><td>{@link #listenAddress()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_REGION}</td><td>{@code sa}</td><td>{@link #region()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_BINDING_TTL_SECS}</td><td>{@code 600}</td><td>{@link #bindingTtl()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_BINDING_GC_INTERVAL_SECS}</td><td>{@code 60}</td><td>{@link #bindingGcInterval()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_BINDING_MAX_ENTRIES}</td><td>100,000</td><td>{@link #bindingMaxEntries()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_EVENT_LOOPS}</td><td>available processors, at most 1024</td><td>{@link #engine()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_MAX_CONNECTIONS}</td><td>from the descriptor limit</td><td>{@link #engine()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_CONNECT_TIMEOUT_SECS}</td><td>5</td><td>{@link #engine()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_IDLE_TIMEOUT_SECS}</td><td>3600 (0 = off)</td><td>{@link #engine()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_BACKEND_RESPONSE_TIMEOUT_SECS}</td><td>0 (off)</td><td>{@link #engine()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_BUFFER_SIZE}</td><td>32768 bytes</td><td>{@link #engine()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_TRANSPORT}</td><td>{@code auto} (epoll where it loads, else nio)</td><td>{@link #engine()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_SPLICE}</td><td>{@code true} (bulk moves by {@code splice(2)} on epoll)</td><td>{@link #engine()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_CONFIG_PATH}</td><td>none</td><td>{@link #configPath()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_CONFIG_WATCH_ENABLED}, {@code _INTERVAL_SECS}</td><td>false, 5</td><td>{@link #configWatch()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_SHUTDOWN_TIMEOUT_SECS}</td><td>30</td><td>{@link #shutdownTimeout()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_METRICS_*}</td><td>off</td><td>read apart: {@link MetricsSettings}</td></tr>
 *   <tr><td>{@code EDGEPROXY_TLS_*}, {@code EDGEPROXY_API_*}</td><td>off</td><td>validated; not built yet, so
 *       {@code _ENABLED=true} stops startup</td></tr>
 *   <tr><td>{@code DEBUG}</td><td>off</td><td>{@link #debug()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_RATE_LIMIT_*}, {@code _CIRCUIT_*}, {@code _HEALTH_*}, {@code _POOL_*}</td>
 *       <td>all off</td><td>{@link #resilience()}, see {@link ResilienceSettings}</td></tr>
 * </table>
 *
 * <pre>{@code
 * EdgeProxySettings settings = EdgeProxySettings.fromEnvironment(System.getenv());
 * EdgeProxy proxy = settings.applyTo(EdgeProxy.builder())
 *         .backends(ConfigFile.load(settings.configPath().orElseThrow()).backends())
 *         .build();
 * }</pre>
 *
 * A later setting is one more component, one more constant and one line in {@link #read(Env)}
 * using a typed getter of {@link Env}.
 *
 * @param listenAddress     where clients connect. Defaults to {@code 0.0.0.0:8080}.
 * @param region            this proxy's region, used by the geo score. Defaults to {@code sa}.
 * @param bindingTtl        how long an unused client-to-backend binding lives. Defaults to 600 seconds.
 * @param bindingGcInterval how often expired bindings are removed. Defaults to 60 seconds.
 * @param bindingMaxEntries the most client bindings held in memory (about 90 bytes each). Defaults to 100,000.
 * @param engine            the engine tuning: event loops, connection cap and timeouts, others at their defaults.
 * @param configPath        the TOML config file holding the backends; no default.
 * @param configWatch       how often the config file is checked for changes; empty (the default) when not watched.
 * @param shutdownTimeout   the longest wait for connections to drain at shutdown. Defaults to 30 seconds.
 * @param debug             debug logging, on when {@code DEBUG} is {@code 1}, {@code true} or {@code yes}.
 * @param resilience        rate limiting, circuit breaking, health checks and the warm pool. All off by default.
 */
public record EdgeProxySettings(InetSocketAddress listenAddress, RegionCode region, Duration bindingTtl,
                                Duration bindingGcInterval, int bindingMaxEntries, ProxyConfig engine,
                                Optional<Path> configPath, Optional<Duration> configWatch, Duration shutdownTimeout,
                                boolean debug, ResilienceSettings resilience) {

    public static final String LISTEN_ADDR = "EDGEPROXY_LISTEN_ADDR";
    public static final String REGION = "EDGEPROXY_REGION";
    public static final String BINDING_TTL_SECS = "EDGEPROXY_BINDING_TTL_SECS";
    public static final String BINDING_GC_INTERVAL_SECS = "EDGEPROXY_BINDING_GC_INTERVAL_SECS";
    public static final String EVENT_LOOPS = "EDGEPROXY_EVENT_LOOPS";
    public static final String CONFIG_PATH = "EDGEPROXY_CONFIG_PATH";
    public static final String BINDING_MAX_ENTRIES = "EDGEPROXY_BINDING_MAX_ENTRIES";
    public static final String MAX_CONNECTIONS = "EDGEPROXY_MAX_CONNECTIONS";
    public static final String CONNECT_TIMEOUT_SECS = "EDGEPROXY_CONNECT_TIMEOUT_SECS";
    public static final String IDLE_TIMEOUT_SECS = "EDGEPROXY_IDLE_TIMEOUT_SECS";
    public static final String BACKEND_RESPONSE_TIMEOUT_SECS = "EDGEPROXY_BACKEND_RESPONSE_TIMEOUT_SECS";
    public static final String BUFFER_SIZE = "EDGEPROXY_BUFFER_SIZE";
    public static final String TRANSPORT = "EDGEPROXY_TRANSPORT";
    public static final String SPLICE = "EDGEPROXY_SPLICE";
    public static final String CONFIG_WATCH_ENABLED = "EDGEPROXY_CONFIG_WATCH_ENABLED";
    public static final String CONFIG_WATCH_INTERVAL_SECS = "EDGEPROXY_CONFIG_WATCH_INTERVAL_SECS";
    public static final String SHUTDOWN_TIMEOUT_SECS = "EDGEPROXY_SHUTDOWN_TIMEOUT_SECS";
    public static final String TLS_ENABLED = "EDGEPROXY_TLS_ENABLED";
    public static final String TLS_LISTEN_ADDR = "EDGEPROXY_TLS_LISTEN_ADDR";
    public static final String TLS_CERT = "EDGEPROXY_TLS_CERT";
    public static final String TLS_KEY = "EDGEPROXY_TLS_KEY";
    public static final String API_ENABLED = "EDGEPROXY_API_ENABLED";
    public static final String API_LISTEN_ADDR = "EDGEPROXY_API_LISTEN_ADDR";
    public static final String DEBUG = "DEBUG";
    /** The prefix of every edgeproxy variable; set ones nobody reads are reported as likely typos. */
    public static final String PREFIX = "EDGEPROXY_";

    /** Defaults to {@code 0.0.0.0:8080}. */
    public static final String DEFAULT_LISTEN_ADDR = "0.0.0.0:8080";
    /** Defaults to {@code sa}. */
    public static final RegionCode DEFAULT_REGION = RegionCode.SA;
    /** Defaults to 600 seconds, as {@link RoutingService#DEFAULT_BINDING_TTL}. */
    public static final Duration DEFAULT_BINDING_TTL = RoutingService.DEFAULT_BINDING_TTL;
    /**
     * Defaults to 60 seconds, as {@link EdgeProxy#DEFAULT_BINDING_GC_INTERVAL}. Not read from there:
     * loading {@code EdgeProxy} creates its logger, and {@link #debugRequested(Map)} must be
     * callable before any logger exists.
     */
    public static final Duration DEFAULT_BINDING_GC_INTERVAL = Duration.ofSeconds(60);
    /**
     * Defaults to 100,000 bindings: about 9 MB at some 90 bytes each, which fits the launcher's
     * default heap beside everything else; raise it (and the heap) for more distinct clients.
     */
    public static final int DEFAULT_BINDING_MAX_ENTRIES = 100_000;
    /** Defaults to 30 seconds. */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    /** Defaults to {@code 0.0.0.0:8443}. */
    public static final String DEFAULT_TLS_LISTEN_ADDR = "0.0.0.0:8443";
    /** Defaults to {@code 0.0.0.0:8081}. */
    public static final String DEFAULT_API_LISTEN_ADDR = "0.0.0.0:8081";

    public EdgeProxySettings {
        Objects.requireNonNull(listenAddress, "listenAddress must not be null");
        Objects.requireNonNull(region, "region must not be null");
        requirePositive(bindingTtl, "bindingTtl");
        requirePositive(bindingGcInterval, "bindingGcInterval");
        if (bindingMaxEntries < 1) {
            throw new IllegalArgumentException("bindingMaxEntries must be >= 1, but was " + bindingMaxEntries);
        }
        Objects.requireNonNull(engine, "engine must not be null (use ProxyConfig.ofDefaults())");
        Objects.requireNonNull(configPath, "configPath must not be null (use Optional.empty())");
        Objects.requireNonNull(configWatch, "configWatch must not be null (use Optional.empty())");
        requirePositive(shutdownTimeout, "shutdownTimeout");
        Objects.requireNonNull(resilience, "resilience must not be null (use ResilienceSettings.none())");
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, but was " + d);
        }
    }

    /** @return the settings with every default, as with an empty environment */
    public static EdgeProxySettings ofDefaults() {
        return fromEnvironment(Map.of(), warning -> { });
    }

    /**
     * Reads the settings and logs a warning for each {@code EDGEPROXY_*} variable that is set but
     * unknown.
     *
     * @param environment the variables, {@code System.getenv()} in production
     * @throws ConfigException naming every bad variable and its value, one per line
     */
    public static EdgeProxySettings fromEnvironment(Map<String, String> environment) {
        // The logger is looked up only now, so that a launcher can still set the logging level from
        // DEBUG (read with debugRequested) before any logger exists.
        return fromEnvironment(environment, warning -> LoggerFactory.getLogger(EdgeProxySettings.class).warn(warning));
    }

    /**
     * As {@link #fromEnvironment(Map)}, handing warnings about unknown variables to {@code warnings}.
     */
    public static EdgeProxySettings fromEnvironment(Map<String, String> environment, Consumer<String> warnings) {
        Env env = Env.of(environment);
        EdgeProxySettings settings = read(env);
        env.validate();
        env.unrecognizedWarnings(PREFIX).forEach(warnings);
        return settings;
    }

    /**
     * Reads the settings through {@code env} without validating: bad values are recorded in
     * {@code env} and replaced by defaults. The caller reads any further settings through the same
     * {@code env}, then calls {@link Env#validate()} and reports {@link Env#unrecognizedWarnings(String)}.
     */
    public static EdgeProxySettings read(Env env) {
        InetSocketAddress listen = env.address(LISTEN_ADDR, DEFAULT_LISTEN_ADDR);
        RegionCode region = env.parsed(REGION, DEFAULT_REGION,
                "a region code such as sa, us, eu or ap (letters, digits and '-', at most 32)", RegionCode::of);
        Duration ttl = env.checked(BINDING_TTL_SECS, env.seconds(BINDING_TTL_SECS, DEFAULT_BINDING_TTL),
                DEFAULT_BINDING_TTL, t -> RoutingService.builder().bindingTtl(t));
        Duration gc = env.seconds(BINDING_GC_INTERVAL_SECS, DEFAULT_BINDING_GC_INTERVAL);
        int maxBindings = env.positiveInt(BINDING_MAX_ENTRIES, DEFAULT_BINDING_MAX_ENTRIES);
        ProxyConfig engine = readEngine(env);
        Optional<Path> configPath = env.path(CONFIG_PATH);
        boolean watch = env.bool(CONFIG_WATCH_ENABLED, false);
        Duration watchInterval = env.seconds(CONFIG_WATCH_INTERVAL_SECS, ConfigWatcher.DEFAULT_INTERVAL);
        Duration shutdown = env.seconds(SHUTDOWN_TIMEOUT_SECS, DEFAULT_SHUTDOWN_TIMEOUT);
        readNotBuiltYet(env);
        boolean debug = env.flag(DEBUG);
        ResilienceSettings resilience = ResilienceSettings.read(env);
        return new EdgeProxySettings(listen, region, ttl, gc, maxBindings, engine, configPath,
                watch ? Optional.of(watchInterval) : Optional.empty(), shutdown, debug, resilience);
    }

    /** The engine tuning; each value is checked by {@link ProxyConfig}'s own rules, named by its variable. */
    private static ProxyConfig readEngine(Env env) {
        ProxyConfig defaults = engineDefaults(env);
        int loops = env.intInRange(EVENT_LOOPS, defaults.eventLoops(), 1, ProxyConfig.MAX_EVENT_LOOPS);
        // Unset, the cap is the builder's default for the loops and splice read here (pipes take descriptors)
        Integer maxConnections = env.get(MAX_CONNECTIONS).isPresent() ? env.positiveInt(MAX_CONNECTIONS, 1) : null;
        Duration connect = env.checked(CONNECT_TIMEOUT_SECS, env.seconds(CONNECT_TIMEOUT_SECS, defaults.connectTimeout()),
                defaults.connectTimeout(), d -> defaults.toBuilder().connectTimeout(d).build());
        Duration idle = env.checked(IDLE_TIMEOUT_SECS, env.secondsOrZero(IDLE_TIMEOUT_SECS, defaults.idleTimeout()),
                defaults.idleTimeout(), d -> defaults.toBuilder().idleTimeout(d).build());
        Duration response = env.checked(BACKEND_RESPONSE_TIMEOUT_SECS,
                env.secondsOrZero(BACKEND_RESPONSE_TIMEOUT_SECS, defaults.backendResponseTimeout()),
                defaults.backendResponseTimeout(), d -> defaults.toBuilder().backendResponseTimeout(d).build());
        int bufferSize = env.intInRange(BUFFER_SIZE, defaults.bufferSize(), ProxyConfig.MIN_BUFFER_SIZE,
                ProxyConfig.MAX_BUFFER_SIZE);
        Transport transport = env.checked(TRANSPORT, env.oneOf(TRANSPORT, Transport.class, defaults.transport()),
                defaults.transport(), t -> {
                    String unavailable = t.unavailableReason();
                    if (unavailable != null) {
                        throw new IllegalArgumentException(unavailable);
                    }
                });
        boolean splice = env.bool(SPLICE, defaults.splice());
        ProxyConfig.Builder b = ProxyConfig.builder().eventLoops(loops).connectTimeout(connect).idleTimeout(idle)
                .backendResponseTimeout(response).bufferSize(bufferSize).transport(transport).splice(splice)
                .reusePort(defaults.reusePort()).acceptBacklog(defaults.acceptBacklog())
                .connectRetries(defaults.connectRetries());
        if (maxConnections != null) {
            b.maxConnections(maxConnections);
        }
        return b.build();
    }

    /** {@link ProxyConfig#ofDefaults()}; a wrong {@code -Dedgeproxy.transport} (JAVA_OPTS) is an error named here. */
    private static ProxyConfig engineDefaults(Env env) {
        try {
            return ProxyConfig.ofDefaults();
        } catch (IllegalArgumentException e) {
            env.reject(e.getMessage());
            return ProxyConfig.builder().transport(Transport.AUTO).build();
        }
    }

    /**
     * TLS termination and the discovery API are not built yet: their variables are validated now,
     * so that a deployment written for a later version fails on a typo today, and switching either
     * on stops startup rather than being ignored.
     */
    private static void readNotBuiltYet(Env env) {
        boolean tls = env.bool(TLS_ENABLED, false);
        env.address(TLS_LISTEN_ADDR, DEFAULT_TLS_LISTEN_ADDR);
        env.path(TLS_CERT);
        env.path(TLS_KEY);
        if (tls) {
            env.reject(TLS_ENABLED + "=true: TLS termination is not built yet in this version; unset " + TLS_ENABLED
                    + " (terminate TLS in front of the proxy meanwhile)");
        }
        boolean api = env.bool(API_ENABLED, false);
        env.address(API_LISTEN_ADDR, DEFAULT_API_LISTEN_ADDR);
        if (api) {
            env.reject(API_ENABLED + "=true: the discovery API is not built yet in this version; unset " + API_ENABLED
                    + " (list the backends in " + CONFIG_PATH + " or PostgreSQL meanwhile)");
        }
    }

    /**
     * @return whether {@code DEBUG} asks for debug logging (1, true or yes); reads nothing else and
     *         creates no logger, so a launcher can set the logging level from it first
     */
    public static boolean debugRequested(Map<String, String> environment) {
        return Env.of(environment).flag(DEBUG);
    }

    /** @return the NIO event loop threads, as {@code engine().eventLoops()} */
    public int eventLoops() {
        return engine.eventLoops();
    }

    /** @return the engine tuning these settings imply */
    public ProxyConfig proxyConfig() {
        return engine;
    }

    /**
     * Sets the listen address, region, binding TTL, GC interval and cap, the engine tuning and the
     * enabled resilience components on {@code builder}; backends and the geo resolver are left to
     * the caller.
     *
     * @return {@code builder}
     */
    public EdgeProxy.Builder applyTo(EdgeProxy.Builder builder) {
        resilience.applyTo(builder);
        return builder.listenAddress(listenAddress)
                .region(region)
                .bindingTtl(bindingTtl)
                .bindingGcInterval(bindingGcInterval)
                .bindingRepository(new InMemoryBindingRepository(bindingMaxEntries))
                .config(engine);
    }
}
