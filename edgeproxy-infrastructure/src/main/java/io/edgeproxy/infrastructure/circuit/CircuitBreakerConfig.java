package io.edgeproxy.infrastructure.circuit;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link CircuitBreaker}. Immutable and validated when built.
 *
 * <table>
 *   <caption>Fields, defaults and environment variables</caption>
 *   <tr><th>field</th><th>default</th><th>variable</th></tr>
 *   <tr><td>{@code failureThreshold}</td><td>5</td><td>{@code EDGEPROXY_CIRCUIT_FAILURE_THRESHOLD}</td></tr>
 *   <tr><td>{@code successThreshold}</td><td>3</td><td>{@code EDGEPROXY_CIRCUIT_SUCCESS_THRESHOLD}</td></tr>
 *   <tr><td>{@code timeout}</td><td>30 seconds</td><td>{@code EDGEPROXY_CIRCUIT_TIMEOUT_SECS}</td></tr>
 *   <tr><td>{@code halfOpenMaxTrials}</td><td>1</td><td>-</td></tr>
 *   <tr><td>{@code trialTimeout}</td><td>5 seconds</td><td>-</td></tr>
 * </table>
 * {@code EDGEPROXY_CIRCUIT_BREAKER_ENABLED} (default {@code false}) chooses between
 * {@code new CircuitBreakers(config)} and {@link CircuitBreakers#disabled()}.
 *
 * <pre>{@code
 * CircuitBreakerConfig config = CircuitBreakerConfig.builder()
 *         .failureThreshold(5).successThreshold(3).timeout(Duration.ofSeconds(30))
 *         .build();
 * }</pre>
 */
public final class CircuitBreakerConfig {

    /** Consecutive failures that open a closed circuit. Defaults to 5. */
    public static final int DEFAULT_FAILURE_THRESHOLD = 5;
    /** Successful trial calls that close a half-open circuit. Defaults to 3. */
    public static final int DEFAULT_SUCCESS_THRESHOLD = 3;
    /** How long an open circuit fails fast before it admits trial calls. Defaults to 30 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** Trial calls admitted at the same time while half-open. Defaults to 1. */
    public static final int DEFAULT_HALF_OPEN_MAX_TRIALS = 1;
    /**
     * How long a trial call may go without reporting its result before it counts as failed (which
     * reopens the circuit), so a lost report can never leave the circuit stuck half-open. Defaults to
     * 10 seconds: in the proxy a trial is one connection attempt, which reports within the connect
     * timeout (5 seconds by default) plus a 1 second verdict window.
     */
    public static final Duration DEFAULT_TRIAL_TIMEOUT = Duration.ofSeconds(10);

    /** Upper bound of {@link #halfOpenMaxTrials()}. */
    public static final int MAX_HALF_OPEN_TRIALS = 1024;

    private final int failureThreshold;
    private final int successThreshold;
    private final Duration timeout;
    private final int halfOpenMaxTrials;
    private final Duration trialTimeout;

    private CircuitBreakerConfig(Builder b) {
        this.failureThreshold = b.failureThreshold;
        this.successThreshold = b.successThreshold;
        this.timeout = b.timeout;
        this.halfOpenMaxTrials = b.halfOpenMaxTrials;
        this.trialTimeout = b.trialTimeout;
    }

    /** @return the configuration with every default */
    public static CircuitBreakerConfig ofDefaults() {
        return builder().build();
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this configuration's values */
    public Builder toBuilder() {
        return new Builder().failureThreshold(failureThreshold).successThreshold(successThreshold).timeout(timeout)
                .halfOpenMaxTrials(halfOpenMaxTrials).trialTimeout(trialTimeout);
    }

    /** @return the consecutive failures that open a closed circuit */
    public int failureThreshold() {
        return failureThreshold;
    }

    /** @return the successful trial calls that close a half-open circuit */
    public int successThreshold() {
        return successThreshold;
    }

    /** @return how long an open circuit fails fast */
    public Duration timeout() {
        return timeout;
    }

    /** @return the trial calls admitted at the same time while half-open */
    public int halfOpenMaxTrials() {
        return halfOpenMaxTrials;
    }

    /** @return how long a trial call may go without a result before it counts as failed */
    public Duration trialTimeout() {
        return trialTimeout;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CircuitBreakerConfig)) {
            return false;
        }
        CircuitBreakerConfig c = (CircuitBreakerConfig) o;
        return failureThreshold == c.failureThreshold && successThreshold == c.successThreshold
                && halfOpenMaxTrials == c.halfOpenMaxTrials && timeout.equals(c.timeout)
                && trialTimeout.equals(c.trialTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(failureThreshold, successThreshold, timeout, halfOpenMaxTrials, trialTimeout);
    }

    @Override
    public String toString() {
        return "CircuitBreakerConfig[failureThreshold=" + failureThreshold + ", successThreshold=" + successThreshold
                + ", timeout=" + timeout + ", halfOpenMaxTrials=" + halfOpenMaxTrials + ", trialTimeout="
                + trialTimeout + "]";
    }

    /** Collects settings; {@link #build()} validates them all. Not thread-safe. */
    public static final class Builder {
        private int failureThreshold = DEFAULT_FAILURE_THRESHOLD;
        private int successThreshold = DEFAULT_SUCCESS_THRESHOLD;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int halfOpenMaxTrials = DEFAULT_HALF_OPEN_MAX_TRIALS;
        private Duration trialTimeout = DEFAULT_TRIAL_TIMEOUT;

        private Builder() {
        }

        /** Consecutive failures that open the circuit; must be >= 1. Defaults to 5. */
        public Builder failureThreshold(int value) {
            this.failureThreshold = value;
            return this;
        }

        /** Successful trials that close the circuit; must be >= 1. Defaults to 3. */
        public Builder successThreshold(int value) {
            this.successThreshold = value;
            return this;
        }

        /** Time spent open; must be positive. Defaults to 30 seconds. */
        public Builder timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        /** Concurrent trial calls while half-open; between 1 and 1024. Defaults to 1. */
        public Builder halfOpenMaxTrials(int value) {
            this.halfOpenMaxTrials = value;
            return this;
        }

        /** Time a trial may take to report; must be positive. Defaults to 5 seconds. */
        public Builder trialTimeout(Duration value) {
            this.trialTimeout = value;
            return this;
        }

        /**
         * @return the validated configuration
         * @throws IllegalArgumentException naming the first field that is out of range, and its value
         */
        public CircuitBreakerConfig build() {
            if (failureThreshold < 1) {
                throw new IllegalArgumentException("failureThreshold must be >= 1, but was " + failureThreshold);
            }
            if (successThreshold < 1) {
                throw new IllegalArgumentException("successThreshold must be >= 1, but was " + successThreshold);
            }
            requirePositive(timeout, "timeout");
            if (halfOpenMaxTrials < 1 || halfOpenMaxTrials > MAX_HALF_OPEN_TRIALS) {
                throw new IllegalArgumentException("halfOpenMaxTrials must be between 1 and " + MAX_HALF_OPEN_TRIALS
                        + ", but was " + halfOpenMaxTrials);
            }
            requirePositive(trialTimeout, "trialTimeout");
            return new CircuitBreakerConfig(this);
        }

        private static void requirePositive(Duration value, String field) {
            if (value == null) {
                throw new IllegalArgumentException(field + " must not be null");
            }
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(field + " must be positive, but was " + value);
            }
            try {
                value.toNanos();
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(field + " must be at most 292 years, but was " + value, e);
            }
        }
    }
}
