package io.edgeproxy.infrastructure.health;

import java.time.Duration;
import java.util.Objects;

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
 */
public final class HealthCheckConfig {

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

    private final HealthCheckType checkType;
    private final Duration interval;
    private final Duration timeout;
    private final int healthyThreshold;
    private final int unhealthyThreshold;
    private final double jitter;

    private HealthCheckConfig(Builder b) {
        this.checkType = b.checkType;
        this.interval = b.interval;
        this.timeout = b.timeout;
        this.healthyThreshold = b.healthyThreshold;
        this.unhealthyThreshold = b.unhealthyThreshold;
        this.jitter = b.jitter;
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

    public HealthCheckType checkType() {
        return checkType;
    }

    public Duration interval() {
        return interval;
    }

    public Duration timeout() {
        return timeout;
    }

    public int healthyThreshold() {
        return healthyThreshold;
    }

    public int unhealthyThreshold() {
        return unhealthyThreshold;
    }

    /** @return the fraction of the interval by which each interval varies at random */
    public double jitter() {
        return jitter;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof HealthCheckConfig)) {
            return false;
        }
        HealthCheckConfig c = (HealthCheckConfig) o;
        return healthyThreshold == c.healthyThreshold && unhealthyThreshold == c.unhealthyThreshold
                && Double.compare(jitter, c.jitter) == 0 && checkType.equals(c.checkType)
                && interval.equals(c.interval) && timeout.equals(c.timeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(checkType, interval, timeout, healthyThreshold, unhealthyThreshold, jitter);
    }

    @Override
    public String toString() {
        return "HealthCheckConfig[checkType=" + checkType + ", interval=" + interval + ", timeout=" + timeout
                + ", healthyThreshold=" + healthyThreshold + ", unhealthyThreshold=" + unhealthyThreshold
                + ", jitter=" + jitter + "]";
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
            if (checkType == null) {
                throw new IllegalArgumentException("checkType must not be null");
            }
            requirePositive(interval, "interval");
            requirePositive(timeout, "timeout");
            if (healthyThreshold < 1) {
                throw new IllegalArgumentException("healthyThreshold must be >= 1, but was " + healthyThreshold);
            }
            if (unhealthyThreshold < 1) {
                throw new IllegalArgumentException("unhealthyThreshold must be >= 1, but was " + unhealthyThreshold);
            }
            if (!(jitter >= 0 && jitter <= 0.5)) {
                throw new IllegalArgumentException("jitter must be between 0 and 0.5, but was " + jitter);
            }
            return new HealthCheckConfig(this);
        }

        private static void requirePositive(Duration value, String field) {
            if (value == null) {
                throw new IllegalArgumentException(field + " must not be null");
            }
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(field + " must be positive, but was " + value);
            }
            if (value.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException(field + " must be at most 1 day, but was " + value);
            }
        }
    }
}
