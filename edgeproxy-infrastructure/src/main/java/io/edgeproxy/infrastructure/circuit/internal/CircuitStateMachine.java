package io.edgeproxy.infrastructure.circuit.internal;

import io.edgeproxy.domain.Ticker;
import io.edgeproxy.infrastructure.circuit.CircuitState;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The lock-free state machine behind a circuit breaker.
 *
 * <h2>How it works</h2>
 * <p>The current state is one immutable-identity {@link Phase} object behind an
 * {@link AtomicReference} (Failsafe's shape). Each phase carries its own counters; a transition
 * CASes the reference from the phase it was decided on to a fresh phase, so exactly one thread wins
 * a transition and counts updated on a phase that was replaced simply die with it. The observer is
 * told after the CAS, outside any lock.
 *
 * <ul>
 *   <li>{@code Closed}: {@code tryAcquire} is one volatile read; a success resets the consecutive
 *       failure count (written only when it is not already 0); a failure increments it and the
 *       thread that reaches the threshold opens the circuit.</li>
 *   <li>{@code Open}: calls fail fast until {@code openNanos} have elapsed; the first observer after
 *       that (an acquire, a permission check or a state query) moves it to half-open. Results that
 *       arrive while open belong to calls admitted earlier and are ignored.</li>
 *   <li>{@code HalfOpen}: {@code maxTrials} slots, each free or holding the start time of a trial.
 *       Acquiring claims a free slot by CAS, so never more than {@code maxTrials} trials run at once;
 *       a result frees one slot. A slot older than the trial timeout means a trial that never
 *       reported: it counts as a failure and reopens the circuit. A result that arrives when no
 *       slot is held (a call admitted before the circuit opened) is ignored.</li>
 * </ul>
 * Thread-safe; no method blocks or allocates except on a transition.
 */
public final class CircuitStateMachine {

    /** Why a transition happened, for listeners and logs. */
    public enum Reason {
        /** CLOSED to OPEN: the consecutive failures reached the threshold. */
        FAILURE_THRESHOLD,
        /** OPEN to HALF_OPEN: the open timeout elapsed. */
        OPEN_TIMEOUT_ELAPSED,
        /** HALF_OPEN to OPEN: a trial call failed. */
        TRIAL_FAILED,
        /** HALF_OPEN to OPEN: a trial call did not report within the trial timeout. */
        TRIAL_TIMED_OUT,
        /** HALF_OPEN to CLOSED: the successful trials reached the threshold. */
        SUCCESS_THRESHOLD,
        /** any to CLOSED: {@link #reset()}. */
        RESET
    }

    /** Receives each transition once, after it took effect. */
    @FunctionalInterface
    public interface Observer {
        /** @param count the failures or successes that triggered it, when that applies (else 0) */
        void onTransition(CircuitState from, CircuitState to, Reason reason, int count);
    }

    private static final long FREE = Long.MIN_VALUE;

    /** A failure threshold that is never reached: the machine of a disabled breaker stays closed. */
    public static final int NEVER = Integer.MAX_VALUE;

    private final AtomicReference<Phase> phase;
    private final int failureThreshold;
    private final int successThreshold;
    private final int maxTrials;
    private final long openNanos;
    private final long trialTimeoutNanos;
    private final Ticker ticker;
    private final Observer observer;

    public CircuitStateMachine(int failureThreshold, int successThreshold, long openNanos, int maxTrials,
                               long trialTimeoutNanos, Ticker ticker, Observer observer) {
        this.failureThreshold = failureThreshold;
        this.successThreshold = successThreshold;
        this.openNanos = openNanos;
        this.maxTrials = maxTrials;
        this.trialTimeoutNanos = trialTimeoutNanos;
        this.ticker = ticker;
        this.observer = observer;
        this.phase = new AtomicReference<>(new Closed());
    }

    /** @return whether a call may proceed; in HALF_OPEN this takes a trial slot */
    public boolean tryAcquire() {
        for (;;) {
            Phase p = phase.get();
            if (p instanceof Closed) {
                return true;
            }
            if (p instanceof Open) {
                if (!openTimeoutElapsed((Open) p, ticker.nanoTime())) {
                    return false;
                }
                transition(p, new HalfOpen(maxTrials), Reason.OPEN_TIMEOUT_ELAPSED, 0);
                continue;
            }
            HalfOpen h = (HalfOpen) p;
            long now = ticker.nanoTime();
            int slot = h.scan(now, trialTimeoutNanos);
            if (slot == HalfOpen.EXPIRED) {
                transition(h, new Open(now), Reason.TRIAL_TIMED_OUT, 0);
                return false;
            }
            if (slot == HalfOpen.NONE_FREE) {
                return false;
            }
            if (h.trials.compareAndSet(slot, FREE, now == FREE ? now + 1 : now)) {
                return true;
            }
            // lost the slot to another caller: look again
        }
    }

    /**
     * @return whether {@link #tryAcquire()} would admit a call now. Takes no permit, but applies a
     *         trial timeout that is due (HALF_OPEN to OPEN), so callers that only ask this question
     *         cannot leave the circuit stuck with an expired trial.
     */
    public boolean isPermitted() {
        Phase p = phase.get();
        if (p instanceof Closed) {
            return true;
        }
        long now = ticker.nanoTime();
        if (p instanceof Open) {
            return openTimeoutElapsed((Open) p, now);
        }
        int slot = ((HalfOpen) p).scan(now, trialTimeoutNanos);
        if (slot == HalfOpen.EXPIRED) {
            transition(p, new Open(now), Reason.TRIAL_TIMED_OUT, 0);
            return false;
        }
        return slot >= 0;
    }

    /** Frees a held half-open trial slot without a verdict; nothing in other states. */
    public void onRelease() {
        Phase p = phase.get();
        if (p instanceof HalfOpen) {
            ((HalfOpen) p).release();
        }
    }

    public void onSuccess() {
        Phase p = phase.get();
        if (p instanceof Closed) {
            AtomicInteger failures = ((Closed) p).failures;
            if (failures.get() != 0) {
                failures.set(0);
            }
        } else if (p instanceof HalfOpen) {
            HalfOpen h = (HalfOpen) p;
            if (h.release()) {
                int n = h.successes.incrementAndGet();
                if (n >= successThreshold) {
                    transition(h, new Closed(), Reason.SUCCESS_THRESHOLD, n);
                }
            }
        }
    }

    public void onFailure() {
        Phase p = phase.get();
        if (p instanceof Closed) {
            if (failureThreshold == NEVER) {
                return;
            }
            int n = ((Closed) p).failures.incrementAndGet();
            if (n >= failureThreshold) {
                transition(p, new Open(ticker.nanoTime()), Reason.FAILURE_THRESHOLD, n);
            }
        } else if (p instanceof HalfOpen) {
            HalfOpen h = (HalfOpen) p;
            if (h.release()) {
                transition(h, new Open(ticker.nanoTime()), Reason.TRIAL_FAILED, 1);
            }
        }
    }

    /** @return the state, after any transition that is due by time (open timeout, trial timeout) */
    public CircuitState state() {
        for (;;) {
            Phase p = phase.get();
            long now = ticker.nanoTime();
            if (p instanceof Open && openTimeoutElapsed((Open) p, now)) {
                transition(p, new HalfOpen(maxTrials), Reason.OPEN_TIMEOUT_ELAPSED, 0);
                continue;
            }
            if (p instanceof HalfOpen && ((HalfOpen) p).scan(now, trialTimeoutNanos) == HalfOpen.EXPIRED) {
                transition(p, new Open(now), Reason.TRIAL_TIMED_OUT, 0);
                continue;
            }
            return p.state();
        }
    }

    /** @return the consecutive failures counted while closed (0 in other states) */
    public int consecutiveFailures() {
        Phase p = phase.get();
        return p instanceof Closed ? ((Closed) p).failures.get() : 0;
    }

    /** Closes the circuit whatever its state, forgetting every count. */
    public void reset() {
        for (;;) {
            Phase p = phase.get();
            if (p instanceof Closed && ((Closed) p).failures.get() == 0) {
                return;
            }
            if (phase.compareAndSet(p, new Closed())) {
                if (!(p instanceof Closed)) {
                    observer.onTransition(p.state(), CircuitState.CLOSED, Reason.RESET, 0);
                }
                return;
            }
        }
    }

    private boolean openTimeoutElapsed(Open o, long now) {
        return now - o.since >= openNanos;
    }

    private void transition(Phase from, Phase to, Reason reason, int count) {
        if (phase.compareAndSet(from, to)) {
            observer.onTransition(from.state(), to.state(), reason, count);
        }
    }

    private abstract static class Phase {
        abstract CircuitState state();
    }

    private static final class Closed extends Phase {
        final AtomicInteger failures = new AtomicInteger();

        @Override
        CircuitState state() {
            return CircuitState.CLOSED;
        }
    }

    private static final class Open extends Phase {
        final long since;

        Open(long since) {
            this.since = since;
        }

        @Override
        CircuitState state() {
            return CircuitState.OPEN;
        }
    }

    private static final class HalfOpen extends Phase {
        static final int NONE_FREE = -1;
        static final int EXPIRED = -2;

        final AtomicLongArray trials;
        final AtomicInteger successes = new AtomicInteger();

        HalfOpen(int maxTrials) {
            trials = new AtomicLongArray(maxTrials);
            for (int i = 0; i < maxTrials; i++) {
                trials.set(i, FREE);
            }
        }

        /** @return a free slot, {@link #NONE_FREE}, or {@link #EXPIRED} when a trial overran its timeout */
        int scan(long now, long timeoutNanos) {
            int free = NONE_FREE;
            for (int i = 0; i < trials.length(); i++) {
                long started = trials.get(i);
                if (started == FREE) {
                    if (free == NONE_FREE) {
                        free = i;
                    }
                } else if (now - started >= timeoutNanos) {
                    return EXPIRED;
                }
            }
            return free;
        }

        /** Frees one held slot. @return false when none was held (a stray result) */
        boolean release() {
            for (int i = 0; i < trials.length(); i++) {
                long started = trials.get(i);
                if (started != FREE && trials.compareAndSet(i, started, FREE)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        CircuitState state() {
            return CircuitState.HALF_OPEN;
        }
    }
}
