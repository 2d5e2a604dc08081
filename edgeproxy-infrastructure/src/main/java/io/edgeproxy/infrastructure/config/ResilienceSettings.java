package io.edgeproxy.infrastructure.config;

import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig;
import io.edgeproxy.infrastructure.health.HealthCheckConfig;
import io.edgeproxy.infrastructure.health.HealthCheckType;
import io.edgeproxy.infrastructure.pool.PoolConfig;
import io.edgeproxy.infrastructure.ratelimit.RateLimitConfig;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The resilience components of a standalone proxy, each switched on by its {@code _ENABLED}
 * variable (all off by default) and tuned by the variables of the documentation. A component
 * that is off is empty; its tuning variables are still validated, so a typo never waits for the
 * day someone turns the component on.
 *
 * <table>
 *   <caption>Variables</caption>
 *   <tr><th>variable</th><th>default</th></tr>
 *   <tr><td>{@code EDGEPROXY_RATE_LIMIT_ENABLED}</td><td>false</td></tr>
 *   <tr><td>{@code EDGEPROXY_RATE_LIMIT_MAX_REQUESTS}</td><td>100</td></tr>
 *   <tr><td>{@code EDGEPROXY_RATE_LIMIT_WINDOW_SECS}</td><td>1</td></tr>
 *   <tr><td>{@code EDGEPROXY_RATE_LIMIT_BURST}</td><td>10</td></tr>
 *   <tr><td>{@code EDGEPROXY_CIRCUIT_BREAKER_ENABLED}</td><td>false</td></tr>
 *   <tr><td>{@code EDGEPROXY_CIRCUIT_FAILURE_THRESHOLD}</td><td>5</td></tr>
 *   <tr><td>{@code EDGEPROXY_CIRCUIT_SUCCESS_THRESHOLD}</td><td>3</td></tr>
 *   <tr><td>{@code EDGEPROXY_CIRCUIT_TIMEOUT_SECS}</td><td>30</td></tr>
 *   <tr><td>{@code EDGEPROXY_HEALTH_CHECK_ENABLED}</td><td>false</td></tr>
 *   <tr><td>{@code EDGEPROXY_HEALTH_CHECK_INTERVAL_SECS}</td><td>5</td></tr>
 *   <tr><td>{@code EDGEPROXY_HEALTH_CHECK_TIMEOUT_SECS}</td><td>2</td></tr>
 *   <tr><td>{@code EDGEPROXY_HEALTH_CHECK_TYPE}</td><td>tcp ({@code tcp} or {@code http})</td></tr>
 *   <tr><td>{@code EDGEPROXY_HEALTH_CHECK_PATH}</td><td>/health</td></tr>
 *   <tr><td>{@code EDGEPROXY_HEALTH_HEALTHY_THRESHOLD}</td><td>2</td></tr>
 *   <tr><td>{@code EDGEPROXY_HEALTH_UNHEALTHY_THRESHOLD}</td><td>3</td></tr>
 *   <tr><td>{@code EDGEPROXY_POOL_ENABLED}</td><td>false</td></tr>
 *   <tr><td>{@code EDGEPROXY_POOL_MAX_PER_BACKEND}</td><td>10</td></tr>
 *   <tr><td>{@code EDGEPROXY_POOL_IDLE_TIMEOUT_SECS}</td><td>60</td></tr>
 *   <tr><td>{@code EDGEPROXY_POOL_MAX_LIFETIME_SECS}</td><td>300</td></tr>
 *   <tr><td>{@code EDGEPROXY_POOL_CONNECT_TIMEOUT_SECS}</td><td>5</td></tr>
 * </table>
 *
 * @param rateLimit      per-client rate limiting, when enabled
 * @param circuitBreaker per-backend circuit breaking, when enabled
 * @param healthCheck    active health checks, when enabled
 * @param pool           warm backend connections, when enabled
 */
public record ResilienceSettings(Optional<RateLimitConfig> rateLimit, Optional<CircuitBreakerConfig> circuitBreaker,
                                 Optional<HealthCheckConfig> healthCheck, Optional<PoolConfig> pool) {

    public static final String RATE_LIMIT_ENABLED = "EDGEPROXY_RATE_LIMIT_ENABLED";
    public static final String RATE_LIMIT_MAX_REQUESTS = "EDGEPROXY_RATE_LIMIT_MAX_REQUESTS";
    public static final String RATE_LIMIT_WINDOW_SECS = "EDGEPROXY_RATE_LIMIT_WINDOW_SECS";
    public static final String RATE_LIMIT_BURST = "EDGEPROXY_RATE_LIMIT_BURST";
    public static final String CIRCUIT_BREAKER_ENABLED = "EDGEPROXY_CIRCUIT_BREAKER_ENABLED";
    public static final String CIRCUIT_FAILURE_THRESHOLD = "EDGEPROXY_CIRCUIT_FAILURE_THRESHOLD";
    public static final String CIRCUIT_SUCCESS_THRESHOLD = "EDGEPROXY_CIRCUIT_SUCCESS_THRESHOLD";
    public static final String CIRCUIT_TIMEOUT_SECS = "EDGEPROXY_CIRCUIT_TIMEOUT_SECS";
    public static final String HEALTH_CHECK_ENABLED = "EDGEPROXY_HEALTH_CHECK_ENABLED";
    public static final String HEALTH_CHECK_INTERVAL_SECS = "EDGEPROXY_HEALTH_CHECK_INTERVAL_SECS";
    public static final String HEALTH_CHECK_TIMEOUT_SECS = "EDGEPROXY_HEALTH_CHECK_TIMEOUT_SECS";
    public static final String HEALTH_CHECK_TYPE = "EDGEPROXY_HEALTH_CHECK_TYPE";
    public static final String HEALTH_CHECK_PATH = "EDGEPROXY_HEALTH_CHECK_PATH";
    public static final String HEALTH_HEALTHY_THRESHOLD = "EDGEPROXY_HEALTH_HEALTHY_THRESHOLD";
    public static final String HEALTH_UNHEALTHY_THRESHOLD = "EDGEPROXY_HEALTH_UNHEALTHY_THRESHOLD";
    public static final String POOL_ENABLED = "EDGEPROXY_POOL_ENABLED";
    public static final String POOL_MAX_PER_BACKEND = "EDGEPROXY_POOL_MAX_PER_BACKEND";
    public static final String POOL_IDLE_TIMEOUT_SECS = "EDGEPROXY_POOL_IDLE_TIMEOUT_SECS";
    public static final String POOL_MAX_LIFETIME_SECS = "EDGEPROXY_POOL_MAX_LIFETIME_SECS";
    public static final String POOL_CONNECT_TIMEOUT_SECS = "EDGEPROXY_POOL_CONNECT_TIMEOUT_SECS";

    /** Defaults to {@code /health}. */
    public static final String DEFAULT_HEALTH_CHECK_PATH = "/health";

    public ResilienceSettings {
        Objects.requireNonNull(rateLimit, "rateLimit");
        Objects.requireNonNull(circuitBreaker, "circuitBreaker");
        Objects.requireNonNull(healthCheck, "healthCheck");
        Objects.requireNonNull(pool, "pool");
    }

    /** @return every component off */
    public static ResilienceSettings none() {
        return new ResilienceSettings(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * Reads the variables through {@code env}; bad values are recorded in {@code env} (reported by
     * {@link Env#validate()}), naming the variable and the value.
     */
    public static ResilienceSettings read(Env env) {
        boolean rateOn = env.bool(RATE_LIMIT_ENABLED, false);
        RateLimitConfig rate = build(env, "EDGEPROXY_RATE_LIMIT_*", () -> RateLimitConfig.builder()
                .maxRequests(env.positiveInt(RATE_LIMIT_MAX_REQUESTS, RateLimitConfig.DEFAULT_MAX_REQUESTS))
                .window(env.seconds(RATE_LIMIT_WINDOW_SECS, RateLimitConfig.DEFAULT_WINDOW))
                .burstSize(env.positiveInt(RATE_LIMIT_BURST, RateLimitConfig.DEFAULT_BURST_SIZE))
                .build());

        boolean circuitOn = env.bool(CIRCUIT_BREAKER_ENABLED, false);
        CircuitBreakerConfig circuit = build(env, "EDGEPROXY_CIRCUIT_*", () -> CircuitBreakerConfig.builder()
                .failureThreshold(env.positiveInt(CIRCUIT_FAILURE_THRESHOLD, CircuitBreakerConfig.DEFAULT_FAILURE_THRESHOLD))
                .successThreshold(env.positiveInt(CIRCUIT_SUCCESS_THRESHOLD, CircuitBreakerConfig.DEFAULT_SUCCESS_THRESHOLD))
                .timeout(env.seconds(CIRCUIT_TIMEOUT_SECS, CircuitBreakerConfig.DEFAULT_TIMEOUT))
                .build());

        boolean healthOn = env.bool(HEALTH_CHECK_ENABLED, false);
        String type = env.parsed(HEALTH_CHECK_TYPE, "tcp", "tcp or http", ResilienceSettings::checkType);
        String path = env.parsed(HEALTH_CHECK_PATH, DEFAULT_HEALTH_CHECK_PATH,
                "an absolute path such as /health (starting with '/', no spaces)", ResilienceSettings::checkPath);
        HealthCheckConfig health = build(env, "EDGEPROXY_HEALTH_*", () -> HealthCheckConfig.builder()
                .checkType(type.equals("http") ? HealthCheckType.http(path) : HealthCheckType.tcp())
                .interval(env.seconds(HEALTH_CHECK_INTERVAL_SECS, HealthCheckConfig.DEFAULT_INTERVAL))
                .timeout(env.seconds(HEALTH_CHECK_TIMEOUT_SECS, HealthCheckConfig.DEFAULT_TIMEOUT))
                .healthyThreshold(env.positiveInt(HEALTH_HEALTHY_THRESHOLD, HealthCheckConfig.DEFAULT_HEALTHY_THRESHOLD))
                .unhealthyThreshold(env.positiveInt(HEALTH_UNHEALTHY_THRESHOLD, HealthCheckConfig.DEFAULT_UNHEALTHY_THRESHOLD))
                .build());

        boolean poolOn = env.bool(POOL_ENABLED, false);
        PoolConfig pool = build(env, "EDGEPROXY_POOL_*", () -> PoolConfig.builder()
                .maxConnectionsPerBackend(env.positiveInt(POOL_MAX_PER_BACKEND, PoolConfig.DEFAULT_MAX_CONNECTIONS_PER_BACKEND))
                .idleTimeout(env.seconds(POOL_IDLE_TIMEOUT_SECS, PoolConfig.DEFAULT_IDLE_TIMEOUT))
                .maxLifetime(env.seconds(POOL_MAX_LIFETIME_SECS, PoolConfig.DEFAULT_MAX_LIFETIME))
                .connectTimeout(env.seconds(POOL_CONNECT_TIMEOUT_SECS, PoolConfig.DEFAULT_CONNECT_TIMEOUT))
                .build());

        return new ResilienceSettings(
                Optional.ofNullable(rateOn ? rate : null),
                Optional.ofNullable(circuitOn ? circuit : null),
                Optional.ofNullable(healthOn ? health : null),
                Optional.ofNullable(poolOn ? pool : null));
    }

    /** Builds a config from variables that are each valid alone; a rule across them is reported as the group's. */
    private static <T> T build(Env env, String group, Supplier<T> config) {
        try {
            return config.get();
        } catch (IllegalArgumentException e) {
            env.reject(group + ": " + e.getMessage());
            return null;
        }
    }

    private static String checkType(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        return t.equals("tcp") || t.equals("http") ? t : null;
    }

    private static String checkPath(String text) {
        return text.startsWith("/") && text.chars().noneMatch(c -> c <= ' ' || c == 127) ? text : null;
    }

    /** Switches on, on {@code builder}, every component that is enabled here. @return {@code builder} */
    public EdgeProxy.Builder applyTo(EdgeProxy.Builder builder) {
        rateLimit.ifPresent(builder::rateLimit);
        circuitBreaker.ifPresent(builder::circuitBreaker);
        healthCheck.ifPresent(builder::healthCheck);
        pool.ifPresent(builder::pool);
        return builder;
    }

    /** @return the enabled components by name, for the startup log line */
    public String describe() {
        StringBuilder s = new StringBuilder();
        rateLimit.ifPresent(c -> s.append(s.length() > 0 ? ", " : "").append("rate limit"));
        circuitBreaker.ifPresent(c -> s.append(s.length() > 0 ? ", " : "").append("circuit breaker"));
        healthCheck.ifPresent(c -> s.append(s.length() > 0 ? ", " : "").append("health checks"));
        pool.ifPresent(c -> s.append(s.length() > 0 ? ", " : "").append("warm pool"));
        return s.length() == 0 ? "none" : s.toString();
    }
}
