package io.edgeproxy.infrastructure;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig;
import io.edgeproxy.infrastructure.health.HealthCheckConfig;
import io.edgeproxy.infrastructure.ratelimit.RateLimitConfig;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@link EdgeProxy#reconfigure(Reconfiguration)} changes in a running proxy: the reloadable
 * settings. Each part is optional; an empty one leaves that part as it is. Immutable.
 *
 * <pre>{@code
 * proxy.reconfigure(Reconfiguration.backends(newList)
 *         .withRateLimit(RateLimitConfig.builder().maxRequests(500).build()));
 * }</pre>
 *
 * @param backends       the whole new backend list (added, removed, re-weighted at once); ids unique
 * @param rateLimit      new rate-limit thresholds
 * @param circuitBreaker new circuit-breaker settings
 * @param healthCheck    new health-check parameters
 */
public record Reconfiguration(Optional<List<Backend>> backends, Optional<RateLimitConfig> rateLimit,
                              Optional<CircuitBreakerConfig> circuitBreaker, Optional<HealthCheckConfig> healthCheck) {

    /** @throws IllegalArgumentException when two backends share an id */
    public Reconfiguration {
        Objects.requireNonNull(backends, "backends must not be null (use Optional.empty())");
        Objects.requireNonNull(rateLimit, "rateLimit must not be null (use Optional.empty())");
        Objects.requireNonNull(circuitBreaker, "circuitBreaker must not be null (use Optional.empty())");
        Objects.requireNonNull(healthCheck, "healthCheck must not be null (use Optional.empty())");
        backends = backends.map(List::copyOf);
        backends.ifPresent(list -> {
            Set<String> ids = new HashSet<>();
            for (Backend b : list) {
                if (!ids.add(b.id())) {
                    throw new IllegalArgumentException("backend ids must be unique, but \"" + b.id() + "\" is given twice");
                }
            }
        });
    }

    /** @return a reconfiguration that changes nothing yet */
    public static Reconfiguration none() {
        return new Reconfiguration(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** @return a reconfiguration that replaces the backends */
    public static Reconfiguration backends(List<Backend> backends) {
        return none().withBackends(backends);
    }

    public Reconfiguration withBackends(List<Backend> value) {
        return new Reconfiguration(Optional.of(value), rateLimit, circuitBreaker, healthCheck);
    }

    public Reconfiguration withRateLimit(RateLimitConfig value) {
        return new Reconfiguration(backends, Optional.of(value), circuitBreaker, healthCheck);
    }

    public Reconfiguration withCircuitBreaker(CircuitBreakerConfig value) {
        return new Reconfiguration(backends, rateLimit, Optional.of(value), healthCheck);
    }

    public Reconfiguration withHealthCheck(HealthCheckConfig value) {
        return new Reconfiguration(backends, rateLimit, circuitBreaker, Optional.of(value));
    }
}
