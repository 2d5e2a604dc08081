package io.edgeproxy.infrastructure.circuit.internal;

import io.edgeproxy.domain.Ticker;
import io.edgeproxy.infrastructure.circuit.CircuitState;
import io.edgeproxy.infrastructure.proxy.BackendGate.Permit;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

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
 * <p>Every admitted call holds a {@link Permit} that belongs to the phase that admitted it, and its
 * result acts only on that phase. That is what keeps a late result in its place: a call admitted
 * while CLOSED that reports after the circuit opened (or went half-open) acts on a CLOSED phase that
 * is no longer current, and every transition it could trigger is a CAS from that dead phase, which
 * fails.
 *
 * <ul>
 *   <li>{@code Closed}: the phase is its own permit, shared by every call it admits, so acquiring
 *       is one volatile read and no allocation. A success resets the consecutive failure count
 *       (written only when it is not already 0); a failure increments it and the thread that reaches
 *       the threshold opens the circuit.</li>
 *   <li>{@code Open}: calls fail fast until {@code openNanos} have elapsed; the first observer after
 *       that (an acquire, a permission check or a state query) moves it to half-open.</li>
 *   <li>{@code HalfOpen}: {@code maxTrials} slots, each free ({@code null}) or holding the
 *       {@code Trial} permit that claimed it by CAS, so never more than {@code maxTrials} trials run
 *       at once. A trial settles by CASing its own slot from itself to free: at most once, and never
 *       another trial's slot. A slot held longer than the trial timeout means a trial that never
 *       reported: it counts as a failure and reopens the circuit.</li>
 * </ul>
 * Thread-safe; nothing blocks. Nothing allocates while CLOSED; a half-open trial allocates its
 * permit, a transition its new phase.
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

    /**
     * @return the permit of one call: the current CLOSED phase (shared, no allocation), a fresh trial
     *         holding a HALF_OPEN slot, or {@link Permit#DENIED} while OPEN or with every slot taken
     */
    public Permit tryAcquire() {
        for (;;) {
            Phase p = phase.get();
            if (p instanceof Closed) {
                return (Closed) p;
            }
            if (p instanceof Open) {
                if (!openTimeoutElapsed((Open) p, ticker.nanoTime())) {
                    return Permit.DENIED;
                }
                transition(p, new HalfOpen(maxTrials), Reason.OPEN_TIMEOUT_ELAPSED, 0);
                continue;
            }
            HalfOpen h = (HalfOpen) p;
            long now = ticker.nanoTime();
            int slot = h.scan(now, trialTimeoutNanos);
            if (slot == HalfOpen.EXPIRED) {
                transition(h, new Open(now), Reason.TRIAL_TIMED_OUT, 0);
                return Permit.DENIED;
            }
            if (slot == HalfOpen.NONE_FREE) {
                return Permit.DENIED;
            }
            Trial t = new Trial(h, slot, now);
            if (h.trials.compareAndSet(slot, null, t)) {
                return t;
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

    /**
     * Closes the circuit whatever its state, forgetting every count. Permits taken before belong to
     * the replaced phase: their results are ignored.
     */
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

    /** Makes the transition unless {@code from} was replaced meanwhile (then another thread decided). */
    private void transition(Phase from, Phase to, Reason reason, int count) {
        if (phase.compareAndSet(from, to)) {
            observer.onTransition(from.state(), to.state(), reason, count);
        }
    }

    private abstract static class Phase {
        abstract CircuitState state();
    }

    /** The CLOSED phase, and the permit shared by every call it admits. */
    private final class Closed extends Phase implements Permit {
        final AtomicInteger failures = new AtomicInteger();

        @Override
        CircuitState state() {
            return CircuitState.CLOSED;
        }

        /** Forgets the failures; on a replaced phase that changes nothing anyone reads. */
        @Override
        public void onSuccess() {
            if (failures.get() != 0) {
                failures.set(0);
            }
        }

        /** Counts a failure; on a replaced phase the opening CAS fails, so the result is ignored. */
        @Override
        public void onFailure() {
            if (failureThreshold == NEVER) {
                return;
            }
            int n = failures.incrementAndGet();
            if (n >= failureThreshold) {
                transition(this, new Open(ticker.nanoTime()), Reason.FAILURE_THRESHOLD, n);
            }
        }

        /** Nothing is held while CLOSED. */
        @Override
        public void release() {
        }

        @Override
        public String toString() {
            return "CircuitPermit[CLOSED]";
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

        /** Each slot is free (null) or holds the trial that claimed it. */
        final AtomicReferenceArray<Trial> trials;
        final AtomicInteger successes = new AtomicInteger();

        HalfOpen(int maxTrials) {
            trials = new AtomicReferenceArray<>(maxTrials);
        }

        /** @return a free slot, {@link #NONE_FREE}, or {@link #EXPIRED} when a trial overran its timeout */
        int scan(long now, long timeoutNanos) {
            int free = NONE_FREE;
            for (int i = 0; i < trials.length(); i++) {
                Trial t = trials.get(i);
                if (t == null) {
                    if (free == NONE_FREE) {
                        free = i;
                    }
                } else if (now - t.startedNanos >= timeoutNanos) {
                    return EXPIRED;
                }
            }
            return free;
        }

        @Override
        CircuitState state() {
            return CircuitState.HALF_OPEN;
        }
    }

    /** The permit of one half-open trial: settles its own slot of its own phase, at most once. */
    private final class Trial implements Permit {
        final HalfOpen phase;
        final int slot;
        final long startedNanos;

        Trial(HalfOpen phase, int slot, long startedNanos) {
            this.phase = phase;
            this.slot = slot;
            this.startedNanos = startedNanos;
        }

        /** @return true for the one settlement that frees this trial's slot; false after that */
        private boolean settle() {
            return phase.trials.compareAndSet(slot, this, null);
        }

        @Override
        public void onSuccess() {
            if (settle()) {
                int n = phase.successes.incrementAndGet();
                if (n >= successThreshold) {
                    transition(phase, new Closed(), Reason.SUCCESS_THRESHOLD, n);
                }
            }
        }

        @Override
        public void onFailure() {
            if (settle()) {
                transition(phase, new Open(ticker.nanoTime()), Reason.TRIAL_FAILED, 1);
            }
        }

        @Override
        public void release() {
            settle();
        }

        @Override
        public String toString() {
            return "CircuitPermit[HALF_OPEN trial " + slot + "]";
        }
    }
}
