package io.edgeproxy.infrastructure.health.internal;

import io.edgeproxy.infrastructure.health.HealthStatus;

import java.time.Duration;
import java.util.Optional;

/**
 * The threshold rule, apart from any I/O: a healthy backend turns unhealthy after
 * {@code unhealthyThreshold} failed probes in a row, an unhealthy one turns healthy after
 * {@code healthyThreshold} passing probes in a row. Starts healthy.
 *
 * <p>Not thread-safe: owned by one probe loop; readers take the immutable {@link #status()}.
 */
public final class HealthThresholds {

    private final int healthyThreshold;
    private final int unhealthyThreshold;
    private HealthStatus status = HealthStatus.initial();

    public HealthThresholds(int healthyThreshold, int unhealthyThreshold) {
        this.healthyThreshold = healthyThreshold;
        this.unhealthyThreshold = unhealthyThreshold;
    }

    /** Records a passing probe. @return whether the backend just turned healthy */
    public boolean passed(Duration latency) {
        HealthStatus s = status;
        int successes = saturatedIncrement(s.consecutiveSuccesses());
        boolean healthy = s.healthy() || successes >= healthyThreshold;
        status = new HealthStatus(healthy, successes, 0, Optional.of(latency), Optional.empty(), s.probes() + 1);
        return healthy != s.healthy();
    }

    /** Records a failed probe. @return whether the backend just turned unhealthy */
    public boolean failed(String error) {
        HealthStatus s = status;
        int failures = saturatedIncrement(s.consecutiveFailures());
        boolean healthy = s.healthy() && failures < unhealthyThreshold;
        status = new HealthStatus(healthy, 0, failures, s.lastLatency(), Optional.of(error), s.probes() + 1);
        return healthy != s.healthy();
    }

    /** @return the current status */
    public HealthStatus status() {
        return status;
    }

    private static int saturatedIncrement(int n) {
        return n == Integer.MAX_VALUE ? n : n + 1;
    }
}
