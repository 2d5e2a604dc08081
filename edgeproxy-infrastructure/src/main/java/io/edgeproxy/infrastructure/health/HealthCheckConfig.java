package io.edgeproxy.infrastructure.health;

import io.edgeproxy.infrastructure.internal.Checks;

import java.time.Duration;

/**
 * Settings of active health checks. Immutable and validated when built.
 *
 * <table>
 *   <caption>Fields, defaults and environment variables</caption>
 *   <tr><th>field</th><th>default</th><th>variable</th></tr>
 *   <tr><td>{@code checkType}</td><td>{@code tcp}</td><td>{@code EDGEPROXY_HEALTH_CHECK_TYPE},
 *       {@code EDGEPROXY_HEALTH_CHECK_PATH} ({@code /health})</td></tr>
 *   <tr><td>{@code interval}</td><td>5 seconds</td><td>{@code EDGEPROXY_HEALTH_CHECK_INTERVAL_SECS}</td></tr>
 *   <tr><td>{@code timeout}</td><td>2 seconds</td><td>{@code EDGEPROXY_HEALTH_CHECK_TIMEOUT_SECS}</td></tr>
 *   <tr><td>{@code healthyThreshold}</td><td>2</td><td>{@code EDGEPROXY_HEALTH_HEALTHY_THRESHOLD}</td></tr>
 *   <tr><td>{@code unhealthyThreshold}</td><td>3</td><td>{@code EDGEPROXY_HEALTH_UNHEALTHY_THRESHOLD}</td></tr>
 *   <tr><td>{@code jitter}</td><td>0.1 (plus or minus 10% of the interval)</td><td>-</td></tr>
 * </table>
 * {@code EDGEPROXY_HEALTH_CHECK_ENABLED} (default {@code false}) decides whether a
 * {@link HealthMonitor} runs at all.
 *
 * <pre>{@code
 * HealthCheckConfig config = HealthCheckConfig.builder()
 *         .checkType(HealthCheckType.http("/health", 200))
 *         .interval(Duration.ofSeconds(5)).timeout(Duration.ofSeconds(2))
 *         .healthyThreshold(2).unhealthyThreshold(3)
 *         .build();
 * }</pre>
 *
 * @param checkType          the probe. Defaults to {@link HealthCheckType#tcp()}.
 * @param interval           time between the starts of two probes of one backend; positive, at most
 *                           1 day. Defaults to 5 seconds.
 * @param timeout            how long one probe may take before it fails; positive, at most 1 day.
 *                           Defaults to 2 seconds.
 * @param healthyThreshold   consecutive passing probes that bring an unhealthy backend back; >= 1.
 *                           Defaults to 2.
 * @param unhealthyThreshold consecutive failing probes that take a healthy backend out; >= 1.
 *                           Defaults to 3.
 * @param jitter             the fraction of the interval by which each interval varies at random;
 *                           between 0 and 0.5. Defaults to 0.1.
 */
public record HealthCheckConfig(HealthCheckType checkType, Duration interval, Duration timeout, int healthyThreshold,
                                int unhealthyThreshold, double jitter) {

    /** Defaults to {@link HealthCheckType#tcp()}. */
    public static final HealthCheckType DEFAULT_CHECK_TYPE = HealthCheckType.tcp();
    /** Time between the starts of two probes of one backend. Defaults to 5 seconds. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    /** How long one probe may take before it fails. Defaults to 2 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** Consecutive passing probes that bring an unhealthy backend back. Defaults to 2. */
    public static final int DEFAULT_HEALTHY_THRESHOLD = 2;
    /** Consecutive failing probes that take a healthy backend out. Defaults to 3. */
    public static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;
    /**
     * Each interval is drawn from {@code interval * (1 +/- jitter)}, so many proxies never probe in
     * lockstep. Defaults to 0.1 (plus or minus 10%).
     */
    public static final double DEFAULT_JITTER = 0.1;

    /** The longest {@link #interval()} and {@link #timeout()}: 1 day. */
    private static final Duration MAX_PERIOD = Duration.ofDays(1);

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the first field that is out of range, and its value
     */
    public HealthCheckConfig {
        Checks.requireNonNull(checkType, "checkType");
        Checks.requirePositive(Checks.requireAtMost(interval, MAX_PERIOD, "interval"), "interval");
        Checks.requirePositive(Checks.requireAtMost(timeout, MAX_PERIOD, "timeout"), "timeout");
        Checks.requireAtLeast(healthyThreshold, 1, "healthyThreshold");
        Checks.requireAtLeast(unhealthyThreshold, 1, "unhealthyThreshold");
        if (!(jitter >= 0 && jitter <= 0.5)) {
            throw new IllegalArgumentException("jitter must be between 0 and 0.5, but was " + jitter);
        }
    }

    /** @return the configuration with every default */
    public static HealthCheckConfig ofDefaults() {
        return builder().build();
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this configuration's values */
    public Builder toBuilder() {
        return new Builder().checkType(checkType).interval(interval).timeout(timeout)
                .healthyThreshold(healthyThreshold).unhealthyThreshold(unhealthyThreshold).jitter(jitter);
    }

    /** Collects settings; {@link #build()} validates them all. Not thread-safe. */
    public static final class Builder {
        private HealthCheckType checkType = DEFAULT_CHECK_TYPE;
        private Duration interval = DEFAULT_INTERVAL;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int healthyThreshold = DEFAULT_HEALTHY_THRESHOLD;
        private int unhealthyThreshold = DEFAULT_UNHEALTHY_THRESHOLD;
        private double jitter = DEFAULT_JITTER;

        private Builder() {
        }

        /** The probe. Defaults to {@link HealthCheckType#tcp()}. */
        public Builder checkType(HealthCheckType value) {
            this.checkType = value;
            return this;
        }

        /** Time between probe starts; must be positive. Defaults to 5 seconds. */
        public Builder interval(Duration value) {
            this.interval = value;
            return this;
        }

        /** Time one probe may take; must be positive. Defaults to 2 seconds. */
        public Builder timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        /** Passing probes in a row to become healthy; must be >= 1. Defaults to 2. */
        public Builder healthyThreshold(int value) {
            this.healthyThreshold = value;
            return this;
        }

        /** Failing probes in a row to become unhealthy; must be >= 1. Defaults to 3. */
        public Builder unhealthyThreshold(int value) {
            this.unhealthyThreshold = value;
            return this;
        }

        /** Random variation of each interval, as a fraction; between 0 and 0.5. Defaults to 0.1. */
        public Builder jitter(double value) {
            this.jitter = value;
            return this;
        }

        /**
         * @return the validated configuration
         * @throws IllegalArgumentException naming the first field that is out of range, and its value
         */
        public HealthCheckConfig build() {
            return new HealthCheckConfig(checkType, interval, timeout, healthyThreshold, unhealthyThreshold, jitter);
        }
    }
}
