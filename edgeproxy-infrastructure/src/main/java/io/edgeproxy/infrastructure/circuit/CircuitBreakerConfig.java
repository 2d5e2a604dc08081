package io.edgeproxy.infrastructure.circuit;

import io.edgeproxy.infrastructure.internal.Checks;

import java.time.Duration;

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
 *   <tr><td>{@code trialTimeout}</td><td>10 seconds</td><td>-</td></tr>
 * </table>
 * {@code EDGEPROXY_CIRCUIT_BREAKER_ENABLED} (default {@code false}) chooses between
 * {@code new CircuitBreakers(config)} and {@link CircuitBreakers#disabled()}.
 *
 * <pre>{@code
 * CircuitBreakerConfig config = CircuitBreakerConfig.builder()
 *         .failureThreshold(5).successThreshold(3).timeout(Duration.ofSeconds(30))
 *         .build();
 * }</pre>
 *
 * @param failureThreshold  consecutive failures that open a closed circuit; >= 1. Defaults to 5.
 * @param successThreshold  successful trial calls that close a half-open circuit; >= 1. Defaults to 3.
 * @param timeout           how long an open circuit fails fast before it admits trial calls;
 *                          positive. Defaults to 30 seconds.
 * @param halfOpenMaxTrials trial calls admitted at the same time while half-open; between 1 and 1024.
 *                          Defaults to 1.
 * @param trialTimeout      how long a trial call may go without reporting before it counts as failed;
 *                          positive. Defaults to 10 seconds.
 */
public record CircuitBreakerConfig(int failureThreshold, int successThreshold, Duration timeout, int halfOpenMaxTrials,
                                   Duration trialTimeout) {

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

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the first field that is out of range, and its value
     */
    public CircuitBreakerConfig {
        Checks.requireAtLeast(failureThreshold, 1, "failureThreshold");
        Checks.requireAtLeast(successThreshold, 1, "successThreshold");
        Checks.requirePositive(timeout, "timeout");
        Checks.requireBetween(halfOpenMaxTrials, 1, MAX_HALF_OPEN_TRIALS, "halfOpenMaxTrials");
        Checks.requirePositive(trialTimeout, "trialTimeout");
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

        /** Time a trial may take to report; must be positive. Defaults to 10 seconds. */
        public Builder trialTimeout(Duration value) {
            this.trialTimeout = value;
            return this;
        }

        /**
         * @return the validated configuration
         * @throws IllegalArgumentException naming the first field that is out of range, and its value
         */
        public CircuitBreakerConfig build() {
            return new CircuitBreakerConfig(failureThreshold, successThreshold, timeout, halfOpenMaxTrials, trialTimeout);
        }
    }
}
