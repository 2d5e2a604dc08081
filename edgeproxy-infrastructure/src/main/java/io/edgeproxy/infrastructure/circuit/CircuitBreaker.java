package io.edgeproxy.infrastructure.circuit;

import io.edgeproxy.domain.Ticker;
import io.edgeproxy.infrastructure.circuit.internal.CircuitStateMachine;
import io.edgeproxy.infrastructure.circuit.internal.CircuitStateMachine.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stops sending calls to a failing backend for a while, then tests whether it recovered.
 *
 * <pre>
 *          consecutive failures &gt;= failureThreshold
 *   CLOSED ----------------------------------------&gt; OPEN
 *     ^                                               |
 *     | trial successes &gt;= successThreshold           | timeout elapsed
 *     |                                               v
 *     +------------------------------------------ HALF_OPEN
 *                                                     |
 *                  a trial fails, or does not report  |
 *                  within trialTimeout                v
 *                                                   OPEN
 * </pre>
 *
 * <ul>
 *   <li>{@link #allow()} asks to make a call; in HALF_OPEN it takes one of the
 *       {@link CircuitBreakerConfig#halfOpenMaxTrials()} trial permits, so never more trials than
 *       that run at once. Every allowed call must report {@link #recordSuccess()} or
 *       {@link #recordFailure()}.</li>
 *   <li>{@link #isCallPermitted()} answers the same question without taking anything: for filtering
 *       candidates before choosing one.</li>
 *   <li>Transitions that are due by time alone (open timeout, trial timeout) happen when the breaker
 *       is next asked ({@link #allow()}, {@link #isCallPermitted()} answers as if, {@link #state()}).</li>
 *   <li>Results reported while OPEN, or in HALF_OPEN when no trial is outstanding, come from calls
 *       admitted before the circuit opened, and are ignored.</li>
 * </ul>
 *
 * <p><b>Thread-safety.</b> Safe for any number of threads, lock-free: {@link #allow()} in CLOSED is a
 * single volatile read, {@link #recordSuccess()} in CLOSED usually one more. Listeners run after a
 * transition, outside any lock, on the thread that caused it; a listener that throws is logged and
 * does not affect the breaker. Each transition is logged once (WARN when opening, INFO otherwise).
 *
 * <pre>{@code
 * CircuitBreaker breaker = new CircuitBreaker("backend-1", CircuitBreakerConfig.ofDefaults());
 * if (breaker.allow()) {
 *     try {
 *         callBackend();
 *         breaker.recordSuccess();
 *     } catch (IOException e) {
 *         breaker.recordFailure();
 *     }
 * } else {
 *     // circuit open: fail fast
 * }
 * }</pre>
 */
public final class CircuitBreaker {

    private static final Logger log = LoggerFactory.getLogger(CircuitBreaker.class);
    private static final CircuitBreaker DISABLED = new CircuitBreaker("disabled", CircuitBreakerConfig.ofDefaults(),
            Ticker.system(), CircuitStateMachine.NEVER);

    private final String name;
    private final CircuitBreakerConfig config;
    private final CircuitStateMachine machine;
    private final List<CircuitStateListener> listeners = new CopyOnWriteArrayList<>();

    /** A breaker named "circuit" on the system clock. */
    public CircuitBreaker(CircuitBreakerConfig config) {
        this("circuit", config);
    }

    /** A breaker on the system clock; the name appears in logs and listeners (a backend id, say). */
    public CircuitBreaker(String name, CircuitBreakerConfig config) {
        this(name, config, Ticker.system());
    }

    /** A breaker on the given clock (tests drive a fake one). */
    public CircuitBreaker(String name, CircuitBreakerConfig config, Ticker ticker) {
        this(name, config, ticker, config.failureThreshold());
    }

    private CircuitBreaker(String name, CircuitBreakerConfig config, Ticker ticker, int failureThreshold) {
        this.name = Objects.requireNonNull(name, "name");
        this.config = Objects.requireNonNull(config, "config");
        this.machine = new CircuitStateMachine(failureThreshold, config.successThreshold(), config.timeout().toNanos(),
                config.halfOpenMaxTrials(), config.trialTimeout().toNanos(), Objects.requireNonNull(ticker, "ticker"),
                this::onTransition);
    }

    /**
     * @return the breaker of a disabled feature: always CLOSED, allows everything, ignores results
     *         and never calls its listeners
     */
    public static CircuitBreaker disabled() {
        return DISABLED;
    }

    /**
     * Asks to make one call.
     *
     * @return true when the call may go ahead (it must then report a result); false to fail fast.
     *         In HALF_OPEN a true takes a trial permit.
     */
    public boolean allow() {
        return machine.tryAcquire();
    }

    /**
     * @return whether {@link #allow()} would return true now: false while OPEN before the timeout,
     *         and in HALF_OPEN when every trial permit is taken. Takes no permit; applies a
     *         transition that is due by time (a trial that overran its timeout reopens the
     *         circuit), so a caller that only ever asks this never sees a stuck circuit.
     */
    public boolean isCallPermitted() {
        return machine.isPermitted();
    }

    /** Reports that an allowed call succeeded. */
    public void recordSuccess() {
        machine.onSuccess();
    }

    /** Reports that an allowed call failed. */
    public void recordFailure() {
        machine.onFailure();
    }

    /**
     * Gives back the permit of an allowed call that ended without saying anything about the
     * protected side (our own error, a shutdown): in HALF_OPEN the trial slot is freed and no
     * verdict is counted; in other states nothing happens.
     */
    public void releasePermission() {
        machine.onRelease();
    }

    /** @return the current state, after any transition due by time */
    public CircuitState state() {
        return machine.state();
    }

    /** @return the consecutive failures counted so far while CLOSED (0 in other states) */
    public int consecutiveFailures() {
        return machine.consecutiveFailures();
    }

    /** Closes the circuit and forgets every count (an operator's override). */
    public void reset() {
        machine.reset();
    }

    /** Adds a listener for state changes. @return this breaker */
    public CircuitBreaker onStateChange(CircuitStateListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** Removes a listener added by {@link #onStateChange}. */
    public void removeListener(CircuitStateListener listener) {
        listeners.remove(listener);
    }

    /** @return the name given at construction */
    public String name() {
        return name;
    }

    /** @return the configuration */
    public CircuitBreakerConfig config() {
        return config;
    }

    private void onTransition(CircuitState from, CircuitState to, Reason reason, int count) {
        logTransition(reason, count);
        for (CircuitStateListener l : listeners) {
            try {
                l.onStateChange(this, from, to);
            } catch (RuntimeException e) {
                log.warn("circuit {} state listener {} failed on {} -> {}", name, l, from, to, e);
            }
        }
    }

    private void logTransition(Reason reason, int count) {
        switch (reason) {
            case FAILURE_THRESHOLD:
                log.warn("circuit {} OPEN after {} consecutive failures; retrying in {}", name, count,
                        human(config.timeout()));
                break;
            case TRIAL_FAILED:
                log.warn("circuit {} OPEN again: a trial call failed; retrying in {}", name, human(config.timeout()));
                break;
            case TRIAL_TIMED_OUT:
                log.warn("circuit {} OPEN again: a trial call did not report within {}; retrying in {}", name,
                        human(config.trialTimeout()), human(config.timeout()));
                break;
            case OPEN_TIMEOUT_ELAPSED:
                log.info("circuit {} HALF_OPEN after {} open: admitting up to {} trial call(s)", name,
                        human(config.timeout()), config.halfOpenMaxTrials());
                break;
            case SUCCESS_THRESHOLD:
                log.info("circuit {} CLOSED after {} successful trial calls", name, count);
                break;
            default:
                log.info("circuit {} CLOSED by reset", name);
                break;
        }
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    @Override
    public String toString() {
        return "CircuitBreaker[" + name + " " + machine.state() + "]";
    }
}
