package io.edgeproxy.infrastructure.config.internal;

import io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig;
import io.edgeproxy.infrastructure.health.HealthCheckConfig;
import io.edgeproxy.infrastructure.health.HealthCheckType;
import io.edgeproxy.infrastructure.ratelimit.RateLimitConfig;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Reads the reloadable sections of the config file over a base configuration (the one the
 * environment variables give): a key in the file overrides its variable, a key left out keeps it.
 *
 * <pre>
 * [rate_limit]            # EDGEPROXY_RATE_LIMIT_*
 * max_requests = 100
 * window_secs = 1
 * burst = 10
 *
 * [circuit_breaker]       # EDGEPROXY_CIRCUIT_*
 * failure_threshold = 5
 * success_threshold = 3
 * timeout_secs = 30
 *
 * [health_check]          # EDGEPROXY_HEALTH_*
 * interval_secs = 5
 * timeout_secs = 2
 * type = "tcp"            # or "http"
 * path = "/health"        # of the http check
 * healthy_threshold = 2
 * unhealthy_threshold = 3
 * </pre>
 *
 * Every error names the file, the line, the section and the key; a rule across keys (a
 * component's own validation) is reported at the section's line.
 */
public final class ResilienceSections {

    public static final String RATE_LIMIT = "rate_limit";
    public static final String CIRCUIT_BREAKER = "circuit_breaker";
    public static final String HEALTH_CHECK = "health_check";
    /** The reloadable sections, in documentation order. */
    public static final List<String> NAMES = List.of(RATE_LIMIT, CIRCUIT_BREAKER, HEALTH_CHECK);

    private ResilienceSections() {
    }

    /** @return {@code base} with the keys of {@code [rate_limit]}; {@code base} when the file has no such section */
    public static RateLimitConfig rateLimit(TomlTable root, RateLimitConfig base) {
        TableReader r = section(root, RATE_LIMIT, List.of("max_requests", "window_secs", "burst"));
        if (r == null) {
            return base;
        }
        return build(root, RATE_LIMIT, () -> base.toBuilder()
                .maxRequests(r.integer("max_requests", base.maxRequests(), 1, Integer.MAX_VALUE))
                .window(r.seconds("window_secs", base.window()))
                .burstSize(r.integer("burst", base.burstSize(), 1, Integer.MAX_VALUE))
                .build());
    }

    /** @return {@code base} with the keys of {@code [circuit_breaker]}; {@code base} when the file has no such section */
    public static CircuitBreakerConfig circuitBreaker(TomlTable root, CircuitBreakerConfig base) {
        TableReader r = section(root, CIRCUIT_BREAKER, List.of("failure_threshold", "success_threshold", "timeout_secs"));
        if (r == null) {
            return base;
        }
        return build(root, CIRCUIT_BREAKER, () -> base.toBuilder()
                .failureThreshold(r.integer("failure_threshold", base.failureThreshold(), 1, Integer.MAX_VALUE))
                .successThreshold(r.integer("success_threshold", base.successThreshold(), 1, Integer.MAX_VALUE))
                .timeout(r.seconds("timeout_secs", base.timeout()))
                .build());
    }

    /** @return {@code base} with the keys of {@code [health_check]}; {@code base} when the file has no such section */
    public static HealthCheckConfig healthCheck(TomlTable root, HealthCheckConfig base) {
        TableReader r = section(root, HEALTH_CHECK, List.of("interval_secs", "timeout_secs", "type", "path",
                "healthy_threshold", "unhealthy_threshold"));
        if (r == null) {
            return base;
        }
        String basePath = base.checkType() instanceof HealthCheckType.Http http ? http.path() : HealthCheckType.DEFAULT_PATH;
        String type = r.text("type", base.checkType() instanceof HealthCheckType.Http ? "http" : "tcp").trim().toLowerCase(Locale.ROOT);
        if (!type.equals("tcp") && !type.equals("http")) {
            throw r.error("type", "type must be \"tcp\" or \"http\", but was " + TomlTable.quote(r.text("type")));
        }
        HealthCheckType checkType;
        try {
            checkType = HealthCheckType.named(type, r.text("path", basePath));
        } catch (IllegalArgumentException e) {
            throw r.error("path", e.getMessage());
        }
        return build(root, HEALTH_CHECK, () -> base.toBuilder()
                .checkType(checkType)
                .interval(r.seconds("interval_secs", base.interval()))
                .timeout(r.seconds("timeout_secs", base.timeout()))
                .healthyThreshold(r.integer("healthy_threshold", base.healthyThreshold(), 1, Integer.MAX_VALUE))
                .unhealthyThreshold(r.integer("unhealthy_threshold", base.unhealthyThreshold(), 1, Integer.MAX_VALUE))
                .build());
    }

    /** @return a reader of the section with its keys checked, or null when the file has none */
    private static TableReader section(TomlTable root, String name, List<String> keys) {
        if (!root.has(name)) {
            return null;
        }
        if (!root.get(name).isObject()) {
            throw root.error(name, name + " must be a [" + name + "] table, but was " + TomlTable.aTypeName(root.get(name)));
        }
        TableReader r = new TableReader(root.table(name), "[" + name + "]");
        r.requireKnownKeys(keys);
        return r;
    }

    /** The component's own rules across keys (timeout below interval, ...), reported at the section's line. */
    private static <T> T build(TomlTable root, String name, Supplier<T> config) {
        try {
            return config.get();
        } catch (IllegalArgumentException e) {
            throw root.error(name, "[" + name + "]: " + e.getMessage());
        }
    }
}
