package io.edgeproxy.infrastructure.config;

import io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig;
import io.edgeproxy.infrastructure.health.HealthCheckConfig;
import io.edgeproxy.infrastructure.pool.PoolConfig;
import io.edgeproxy.infrastructure.ratelimit.RateLimitConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResilienceSettingsTest {

    private static ResilienceSettings read(Map<String, String> env) {
        Env e = Env.of(env);
        ResilienceSettings s = ResilienceSettings.read(e);
        e.validate();
        return s;
    }

    @Test
    void everyComponentIsOffByDefault() {
        assertThat(read(Map.of())).isEqualTo(ResilienceSettings.none());
        assertThat(ResilienceSettings.none().describe()).isEqualTo("none");
    }

    @Test
    void enabledComponentsTakeTheDocumentedDefaults() {
        ResilienceSettings s = read(Map.of(
                "EDGEPROXY_RATE_LIMIT_ENABLED", "true",
                "EDGEPROXY_CIRCUIT_BREAKER_ENABLED", "true",
                "EDGEPROXY_HEALTH_CHECK_ENABLED", "true",
                "EDGEPROXY_POOL_ENABLED", "true"));

        RateLimitConfig rate = s.rateLimit().orElseThrow();
        assertThat(rate.maxRequests()).isEqualTo(100);
        assertThat(rate.window()).isEqualTo(Duration.ofSeconds(1));
        assertThat(rate.burstSize()).isEqualTo(10);
        CircuitBreakerConfig circuit = s.circuitBreaker().orElseThrow();
        assertThat(circuit.failureThreshold()).isEqualTo(5);
        assertThat(circuit.successThreshold()).isEqualTo(3);
        assertThat(circuit.timeout()).isEqualTo(Duration.ofSeconds(30));
        HealthCheckConfig health = s.healthCheck().orElseThrow();
        assertThat(health.checkType().toString()).containsIgnoringCase("tcp");
        assertThat(health.interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(health.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(health.healthyThreshold()).isEqualTo(2);
        assertThat(health.unhealthyThreshold()).isEqualTo(3);
        PoolConfig pool = s.pool().orElseThrow();
        assertThat(pool.maxConnectionsPerBackend()).isEqualTo(10);
        assertThat(pool.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(pool.maxLifetime()).isEqualTo(Duration.ofSeconds(300));
        assertThat(pool.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.describe()).isEqualTo("rate limit, circuit breaker, health checks, warm pool");
    }

    @Test
    void readsEveryTuningVariable() {
        ResilienceSettings s = read(Map.ofEntries(
                Map.entry("EDGEPROXY_RATE_LIMIT_ENABLED", "1"),
                Map.entry("EDGEPROXY_RATE_LIMIT_MAX_REQUESTS", "1000"),
                Map.entry("EDGEPROXY_RATE_LIMIT_WINDOW_SECS", "2"),
                Map.entry("EDGEPROXY_RATE_LIMIT_BURST", "50"),
                Map.entry("EDGEPROXY_CIRCUIT_BREAKER_ENABLED", "yes"),
                Map.entry("EDGEPROXY_CIRCUIT_FAILURE_THRESHOLD", "7"),
                Map.entry("EDGEPROXY_CIRCUIT_SUCCESS_THRESHOLD", "4"),
                Map.entry("EDGEPROXY_CIRCUIT_TIMEOUT_SECS", "60"),
                Map.entry("EDGEPROXY_HEALTH_CHECK_ENABLED", "true"),
                Map.entry("EDGEPROXY_HEALTH_CHECK_INTERVAL_SECS", "10"),
                Map.entry("EDGEPROXY_HEALTH_CHECK_TIMEOUT_SECS", "3"),
                Map.entry("EDGEPROXY_HEALTH_CHECK_TYPE", "HTTP"),
                Map.entry("EDGEPROXY_HEALTH_CHECK_PATH", "/ready"),
                Map.entry("EDGEPROXY_HEALTH_HEALTHY_THRESHOLD", "1"),
                Map.entry("EDGEPROXY_HEALTH_UNHEALTHY_THRESHOLD", "5"),
                Map.entry("EDGEPROXY_POOL_ENABLED", "true"),
                Map.entry("EDGEPROXY_POOL_MAX_PER_BACKEND", "20"),
                Map.entry("EDGEPROXY_POOL_IDLE_TIMEOUT_SECS", "30"),
                Map.entry("EDGEPROXY_POOL_MAX_LIFETIME_SECS", "120"),
                Map.entry("EDGEPROXY_POOL_CONNECT_TIMEOUT_SECS", "1")));

        assertThat(s.rateLimit().orElseThrow().maxRequests()).isEqualTo(1000);
        assertThat(s.rateLimit().orElseThrow().window()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.rateLimit().orElseThrow().burstSize()).isEqualTo(50);
        assertThat(s.circuitBreaker().orElseThrow().failureThreshold()).isEqualTo(7);
        assertThat(s.circuitBreaker().orElseThrow().successThreshold()).isEqualTo(4);
        assertThat(s.circuitBreaker().orElseThrow().timeout()).isEqualTo(Duration.ofSeconds(60));
        HealthCheckConfig health = s.healthCheck().orElseThrow();
        assertThat(health.checkType().toString()).contains("/ready");
        assertThat(health.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(health.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(health.healthyThreshold()).isEqualTo(1);
        assertThat(health.unhealthyThreshold()).isEqualTo(5);
        assertThat(s.pool().orElseThrow().maxConnectionsPerBackend()).isEqualTo(20);
        assertThat(s.pool().orElseThrow().idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.pool().orElseThrow().maxLifetime()).isEqualTo(Duration.ofSeconds(120));
        assertThat(s.pool().orElseThrow().connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void badValuesNameTheVariableAndTheValueEvenWhenTheComponentIsOff() {
        assertThatThrownBy(() -> read(Map.of(
                "EDGEPROXY_RATE_LIMIT_BURST", "ten",
                "EDGEPROXY_CIRCUIT_BREAKER_ENABLED", "maybe",
                "EDGEPROXY_HEALTH_CHECK_TYPE", "icmp",
                "EDGEPROXY_HEALTH_CHECK_PATH", "health",
                "EDGEPROXY_POOL_MAX_PER_BACKEND", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("EDGEPROXY_RATE_LIMIT_BURST must be a positive integer, but was \"ten\"")
                .hasMessageContaining("EDGEPROXY_CIRCUIT_BREAKER_ENABLED")
                .hasMessageContaining("\"maybe\"")
                .hasMessageContaining("EDGEPROXY_HEALTH_CHECK_TYPE must be tcp or http, but was \"icmp\"")
                .hasMessageContaining("EDGEPROXY_HEALTH_CHECK_PATH must be an absolute path")
                .hasMessageContaining("EDGEPROXY_POOL_MAX_PER_BACKEND must be a positive integer, but was \"0\"");
    }

    @Test
    void aRuleOfTheComponentIsReportedForItsGroupOfVariables() {
        // A positive integer is a valid _SECS value, but the health check refuses intervals over a day.
        assertThatThrownBy(() -> read(Map.of(
                "EDGEPROXY_HEALTH_CHECK_ENABLED", "true",
                "EDGEPROXY_HEALTH_CHECK_INTERVAL_SECS", "100000")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("EDGEPROXY_HEALTH_*: interval must be at most 1 day, but was PT27H46M40S");
    }
}
