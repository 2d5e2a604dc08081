package io.edgeproxy.infrastructure.config;

import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.domain.routing.RoutingService;
import io.edgeproxy.infrastructure.EdgeProxy;
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
 *   <tr><td>{@code EDGEPROXY_EVENT_LOOPS}</td><td>available processors</td><td>{@link #eventLoops()}</td></tr>
 *   <tr><td>{@code EDGEPROXY_CONFIG_PATH}</td><td>none</td><td>{@link #configPath()}</td></tr>
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
 * @param eventLoops        NIO event loop threads. Defaults to the number of available processors.
 * @param configPath        the TOML config file holding the backends; no default.
 * @param debug             debug logging, on when {@code DEBUG} is {@code 1}, {@code true} or {@code yes}.
 * @param resilience        rate limiting, circuit breaking, health checks and the warm pool. All off by default.
 */
public record EdgeProxySettings(InetSocketAddress listenAddress, RegionCode region, Duration bindingTtl,
                                Duration bindingGcInterval, int eventLoops, Optional<Path> configPath,
                                boolean debug, ResilienceSettings resilience) {

    public static final String LISTEN_ADDR = "EDGEPROXY_LISTEN_ADDR";
    public static final String REGION = "EDGEPROXY_REGION";
    public static final String BINDING_TTL_SECS = "EDGEPROXY_BINDING_TTL_SECS";
    public static final String BINDING_GC_INTERVAL_SECS = "EDGEPROXY_BINDING_GC_INTERVAL_SECS";
    public static final String EVENT_LOOPS = "EDGEPROXY_EVENT_LOOPS";
    public static final String CONFIG_PATH = "EDGEPROXY_CONFIG_PATH";
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

    public EdgeProxySettings {
        Objects.requireNonNull(listenAddress, "listenAddress must not be null");
        Objects.requireNonNull(region, "region must not be null");
        requirePositive(bindingTtl, "bindingTtl");
        requirePositive(bindingGcInterval, "bindingGcInterval");
        if (eventLoops < 1) {
            throw new IllegalArgumentException("eventLoops must be >= 1, but was " + eventLoops);
        }
        Objects.requireNonNull(configPath, "configPath must not be null (use Optional.empty())");
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
        Duration ttl = env.seconds(BINDING_TTL_SECS, DEFAULT_BINDING_TTL);
        Duration gc = env.seconds(BINDING_GC_INTERVAL_SECS, DEFAULT_BINDING_GC_INTERVAL);
        int loops = env.positiveInt(EVENT_LOOPS, Runtime.getRuntime().availableProcessors());
        Optional<Path> configPath = env.path(CONFIG_PATH);
        boolean debug = env.flag(DEBUG);
        ResilienceSettings resilience = ResilienceSettings.read(env);
        return new EdgeProxySettings(listen, region, ttl, gc, loops, configPath, debug, resilience);
    }

    /**
     * @return whether {@code DEBUG} asks for debug logging (1, true or yes); reads nothing else and
     *         creates no logger, so a launcher can set the logging level from it first
     */
    public static boolean debugRequested(Map<String, String> environment) {
        return Env.of(environment).flag(DEBUG);
    }

    /** @return the engine tuning these settings imply (event loops), other values at their defaults */
    public ProxyConfig proxyConfig() {
        return ProxyConfig.builder().eventLoops(eventLoops).build();
    }

    /**
     * Sets the listen address, region, binding TTL and GC interval, the engine tuning and the
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
                .config(proxyConfig());
    }
}
