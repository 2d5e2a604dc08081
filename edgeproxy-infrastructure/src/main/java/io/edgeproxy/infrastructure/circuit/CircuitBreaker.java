package io.edgeproxy.infrastructure.circuit;

import io.edgeproxy.domain.Ticker;
import io.edgeproxy.infrastructure.circuit.internal.CircuitStateMachine;
import io.edgeproxy.infrastructure.circuit.internal.CircuitStateMachine.Reason;
import io.edgeproxy.infrastructure.proxy.BackendGate;
import io.edgeproxy.infrastructure.proxy.BackendGate.Permit;
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
 *   <li>{@link #tryAcquirePermit()} asks to make a call and returns its {@link Permit}, or
 *       {@link Permit#DENIED} to fail fast. The call reports its result on its own permit:
 *       {@link Permit#onSuccess()}, {@link Permit#onFailure()}, or {@link Permit#release()} when it
 *       ended without saying anything about the protected side (our own error, a shutdown).</li>
 *   <li>A permit acts only on the state that issued it. In HALF_OPEN each permit holds one of the
 *       {@link CircuitBreakerConfig#halfOpenMaxTrials()} trial slots, so never more trials than that
 *       run at once, and only that trial's own result frees its slot and counts; it is settled at
 *       most once (a second settlement is ignored). Results of permits issued before the state last
 *       changed (a call admitted while CLOSED that reports after the circuit opened, or a trial that
 *       reports after its trial timeout reopened the circuit) are ignored.</li>
 *   <li>In CLOSED every call shares one permit object, so acquiring allocates nothing; it cannot tell
 *       one call's report from another's, so each call must report once. Its failures count toward
 *       {@code failureThreshold} for as long as that CLOSED period lasts.</li>
 *   <li>{@link #isCallPermitted()} answers whether a permit would be granted without taking one: for
 *       filtering candidates before choosing one.</li>
 *   <li>Transitions that are due by time alone (open timeout, trial timeout) happen when the breaker
 *       is next asked ({@link #tryAcquirePermit()}, {@link #state()}; {@link #isCallPermitted()}
 *       applies a trial timeout and answers as if the open timeout had been applied).</li>
 * </ul>
 *
 * <p>{@link BackendGate.Permit} is the engine's permit type, so a breaker's permit can be handed to
 * the proxy as it is ({@link CircuitBreakers} does exactly that); {@link Permit#DENIED} is the one
 * refusal constant, compared by identity.
 *
 * <p><b>Thread-safety.</b> Safe for any number of threads, lock-free: {@link #tryAcquirePermit()} in
 * CLOSED is a single volatile read and allocates nothing, {@link Permit#onSuccess()} in CLOSED is
 * usually one more read. Listeners run after a transition, outside any lock, on the thread that
 * caused it; a listener that throws is logged and does not affect the breaker. Each transition is
 * logged once (WARN when opening, INFO otherwise).
 *
 * <pre>{@code
 * CircuitBreaker breaker = new CircuitBreaker("backend-1", CircuitBreakerConfig.ofDefaults());
 * Permit permit = breaker.tryAcquirePermit();     // BackendGate.Permit
 * if (permit == Permit.DENIED) {
 *     return fallback();                           // circuit open: fail fast
 * }
 * try {
 *     Response r = callBackend();
 *     permit.onSuccess();
 *     return r;
 * } catch (IOException e) {
 *     permit.onFailure();
 *     throw e;
 * } catch (RuntimeException e) {
 *     permit.release();                            // our bug, not the backend's
 *     throw e;
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
     * @return the breaker of a disabled feature: always CLOSED, grants every permit, ignores results.
     *         It never changes state, so it keeps no listeners: {@link #onStateChange} holds nothing
     *         (one shared instance can never pin a caller's listener).
     */
    public static CircuitBreaker disabled() {
        return DISABLED;
    }

    /**
     * Asks to make one call.
     *
     * @return the call's permit, on which it must report exactly one result; or
     *         {@link Permit#DENIED} (compare by identity) to fail fast: OPEN before the timeout, or
     *         HALF_OPEN with every trial slot taken. In CLOSED the permit is shared by every call of
     *         that CLOSED period and nothing is allocated; in HALF_OPEN it holds one trial slot.
     */
    public Permit tryAcquirePermit() {
        return machine.tryAcquire();
    }

    /**
     * @return whether {@link #tryAcquirePermit()} would grant a permit now: false while OPEN before
     *         the timeout, and in HALF_OPEN when every trial slot is taken. Takes no permit; applies a
     *         transition that is due by time (a trial that overran its timeout reopens the circuit),
     *         so a caller that only ever asks this never sees a stuck circuit.
     */
    public boolean isCallPermitted() {
        return machine.isPermitted();
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

    /**
     * Adds a listener for state changes; on {@link #disabled()}, which never changes state, nothing is
     * kept. @return this breaker
     */
    public CircuitBreaker onStateChange(CircuitStateListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (this != DISABLED) {
            listeners.add(listener);
        }
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
