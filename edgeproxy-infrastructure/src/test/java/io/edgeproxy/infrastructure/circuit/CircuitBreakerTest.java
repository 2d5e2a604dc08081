package io.edgeproxy.infrastructure.circuit;

import io.edgeproxy.infrastructure.proxy.BackendGate.Permit;
import io.edgeproxy.domain.testing.FakeTicker;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.edgeproxy.infrastructure.circuit.CircuitState.CLOSED;
import static io.edgeproxy.infrastructure.circuit.CircuitState.HALF_OPEN;
import static io.edgeproxy.infrastructure.circuit.CircuitState.OPEN;
import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakerTest {

    private final FakeTicker ticker = new FakeTicker();
    private final List<String> transitions = new ArrayList<>();

    private CircuitBreaker breaker(CircuitBreakerConfig config) {
        return new CircuitBreaker("sa-1", config, ticker)
                .onStateChange((b, from, to) -> transitions.add(b.name() + " " + from + "->" + to));
    }

    private CircuitBreaker defaults() {
        return breaker(CircuitBreakerConfig.ofDefaults());
    }

    /** @return a granted permit, failing the test on a refusal */
    private static Permit granted(CircuitBreaker b) {
        Permit p = b.tryAcquirePermit();
        assertThat(p).as("permit granted").isNotSameAs(Permit.DENIED);
        return p;
    }

    private static void assertDenied(CircuitBreaker b) {
        assertThat(b.tryAcquirePermit()).isSameAs(Permit.DENIED);
    }

    private static void fail(CircuitBreaker b, int times) {
        for (int i = 0; i < times; i++) {
            granted(b).onFailure();
        }
    }

    /** Opens the default breaker, then waits out the open timeout: HALF_OPEN. */
    private void halfOpen(CircuitBreaker b) {
        fail(b, b.config().failureThreshold());
        ticker.advance(b.config().timeout());
        assertThat(b.state()).isEqualTo(HALF_OPEN);
    }

    @Test
    void startsClosedAndGrantsEverything() {
        CircuitBreaker b = defaults();
        assertThat(b.state()).isEqualTo(CLOSED);
        for (int i = 0; i < 100; i++) {
            granted(b).onSuccess();
        }
        assertThat(transitions).isEmpty();
    }

    @Test
    void closedPermitsAreOneSharedObjectPerClosedPeriod() {
        CircuitBreaker b = defaults();
        Permit first = granted(b);
        assertThat(granted(b)).as("no allocation per call while CLOSED").isSameAs(first);
        halfOpen(b);
        for (int i = 0; i < 3; i++) {
            granted(b).onSuccess();
        }
        assertThat(b.state()).isEqualTo(CLOSED);
        assertThat(granted(b)).as("a new CLOSED period has its own permit").isNotSameAs(first);
    }

    @Test
    void opensAfterFailureThresholdConsecutiveFailures() {
        CircuitBreaker b = defaults();
        fail(b, 4);
        assertThat(b.state()).isEqualTo(CLOSED);
        assertThat(b.consecutiveFailures()).isEqualTo(4);
        fail(b, 1);
        assertThat(b.state()).isEqualTo(OPEN);
        assertDenied(b);
        assertThat(b.isCallPermitted()).isFalse();
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN");
    }

    @Test
    void failuresOfCallsInFlightCountWhileTheCircuitStaysClosed() {
        CircuitBreaker b = defaults();
        List<Permit> inFlight = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            inFlight.add(granted(b));                     // admitted together ...
        }
        inFlight.forEach(Permit::onFailure);              // ... failing together
        assertThat(b.state()).isEqualTo(OPEN);
    }

    @Test
    void aSuccessResetsTheConsecutiveFailureCount() {
        CircuitBreaker b = defaults();
        fail(b, 4);
        granted(b).onSuccess();
        assertThat(b.consecutiveFailures()).isZero();
        fail(b, 4);
        assertThat(b.state()).isEqualTo(CLOSED);
    }

    @Test
    void goesHalfOpenOnlyOnceTheTimeoutHasElapsed() {
        CircuitBreaker b = defaults();
        fail(b, 5);
        ticker.advance(Duration.ofSeconds(30).minusNanos(1));
        assertThat(b.isCallPermitted()).isFalse();
        assertDenied(b);
        assertThat(b.state()).isEqualTo(OPEN);
        ticker.advanceNanos(1);
        assertThat(b.isCallPermitted()).isTrue();
        assertThat(b.state()).isEqualTo(HALF_OPEN);
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->HALF_OPEN");
    }

    @Test
    void closesAfterSuccessThresholdTrials() {
        CircuitBreaker b = defaults();
        halfOpen(b);
        for (int i = 0; i < 2; i++) {
            granted(b).onSuccess();
            assertThat(b.state()).isEqualTo(HALF_OPEN);
        }
        granted(b).onSuccess();
        assertThat(b.state()).isEqualTo(CLOSED);
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->HALF_OPEN", "sa-1 HALF_OPEN->CLOSED");
        // closed again means a fresh count: it takes the full threshold to reopen
        fail(b, 4);
        assertThat(b.state()).isEqualTo(CLOSED);
    }

    @Test
    void aFailedTrialReopensForAnotherFullTimeout() {
        CircuitBreaker b = defaults();
        halfOpen(b);
        granted(b).onSuccess();
        granted(b).onFailure();
        assertThat(b.state()).isEqualTo(OPEN);
        ticker.advance(Duration.ofSeconds(29));
        assertDenied(b);
        ticker.advance(Duration.ofSeconds(1));
        granted(b);
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->HALF_OPEN", "sa-1 HALF_OPEN->OPEN",
                "sa-1 OPEN->HALF_OPEN");
    }

    @Test
    void halfOpenAdmitsOnlyHalfOpenMaxTrialsAtATime() {
        CircuitBreaker b = breaker(CircuitBreakerConfig.builder().halfOpenMaxTrials(2).build());
        halfOpen(b);
        Permit first = granted(b);
        granted(b);
        assertThat(b.isCallPermitted()).isFalse();
        assertDenied(b);
        first.onSuccess();                                // one trial reports: its slot is free again
        assertThat(b.isCallPermitted()).isTrue();
        granted(b);
        assertDenied(b);
    }

    @Test
    void isCallPermittedNeverTakesATrialPermit() {
        CircuitBreaker b = defaults();
        halfOpen(b);
        for (int i = 0; i < 10; i++) {
            assertThat(b.isCallPermitted()).isTrue();
        }
        granted(b);
        assertThat(b.isCallPermitted()).isFalse();
    }

    @Test
    void aTrialThatNeverReportsTimesOutAndReopens() {
        CircuitBreaker b = defaults();
        halfOpen(b);
        granted(b);                                       // ... and this trial never reports
        ticker.advance(Duration.ofSeconds(10).minusNanos(1));
        assertDenied(b);
        assertThat(b.state()).isEqualTo(HALF_OPEN);
        ticker.advanceNanos(1);
        assertThat(b.isCallPermitted()).isFalse();
        assertThat(b.state()).isEqualTo(OPEN);
        ticker.advance(Duration.ofSeconds(30));
        assertThat(b.tryAcquirePermit()).as("not stuck: a new trial after the open timeout")
                .isNotSameAs(Permit.DENIED);
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->HALF_OPEN", "sa-1 HALF_OPEN->OPEN",
                "sa-1 OPEN->HALF_OPEN");
    }

    @Test
    void resultsOfCallsAdmittedBeforeOpeningAreIgnored() {
        CircuitBreaker b = defaults();
        List<Permit> inFlight = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            inFlight.add(granted(b));                     // ten calls in flight
        }
        for (int i = 0; i < 5; i++) {
            inFlight.get(i).onFailure();
        }
        assertThat(b.state()).isEqualTo(OPEN);
        inFlight.get(5).onFailure();                      // late results while open
        inFlight.get(6).onSuccess();
        ticker.advance(Duration.ofSeconds(30));
        assertThat(b.state()).isEqualTo(HALF_OPEN);
        inFlight.get(7).onSuccess();                      // late results in half-open, no trial outstanding
        inFlight.get(8).onSuccess();
        inFlight.get(9).onFailure();
        assertThat(b.state()).isEqualTo(HALF_OPEN);
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->HALF_OPEN");
        granted(b);
    }

    @Test
    void aClosedPermitReportingWhileHalfOpenDoesNotSettleTheTrial() {
        CircuitBreaker b = breaker(CircuitBreakerConfig.builder().successThreshold(1).build());
        Permit early = granted(b);                        // admitted while CLOSED, slow to report
        Permit late = granted(b);
        halfOpen(b);
        Permit trial = granted(b);
        assertDenied(b);                                  // the only trial slot is held

        early.onSuccess();                                // says nothing about the trial ...
        assertThat(b.state()).as("a stale success must not close the circuit").isEqualTo(HALF_OPEN);
        late.onFailure();
        assertThat(b.state()).as("a stale failure must not reopen it").isEqualTo(HALF_OPEN);
        early.release();
        assertThat(b.isCallPermitted()).as("nor free the trial's slot").isFalse();
        assertDenied(b);

        trial.onSuccess();                                // ... only the trial's own result does
        assertThat(b.state()).isEqualTo(CLOSED);
    }

    @Test
    void aTrialIsSettledAtMostOnce() {
        CircuitBreaker b = breaker(CircuitBreakerConfig.builder().successThreshold(2).halfOpenMaxTrials(2).build());
        halfOpen(b);
        Permit trial = granted(b);
        Permit other = granted(b);
        trial.onSuccess();
        trial.onSuccess();                                // a second report is ignored ...
        trial.onFailure();
        assertThat(b.state()).isEqualTo(HALF_OPEN);
        assertThat(b.isCallPermitted()).isTrue();         // one slot free: the trial's own
        Permit third = granted(b);
        trial.release();                                  // ... and cannot free another trial's slot
        assertDenied(b);
        other.onSuccess();
        assertThat(b.state()).isEqualTo(CLOSED);
        third.onFailure();                                // the HALF_OPEN period that issued it is over
        assertThat(b.state()).isEqualTo(CLOSED);
        assertThat(b.consecutiveFailures()).isZero();
    }

    @Test
    void aTrialThatTimedOutCannotSettleTheNextHalfOpenPeriod() {
        CircuitBreaker b = breaker(CircuitBreakerConfig.builder().successThreshold(1).build());
        halfOpen(b);
        Permit slow = granted(b);
        ticker.advance(b.config().trialTimeout());
        assertThat(b.state()).isEqualTo(OPEN);            // it timed out: counted as failed
        ticker.advance(b.config().timeout());
        Permit next = granted(b);

        slow.onSuccess();                                 // reports at last, in another period
        assertThat(b.state()).isEqualTo(HALF_OPEN);
        assertDenied(b);
        next.onSuccess();
        assertThat(b.state()).isEqualTo(CLOSED);
    }

    @Test
    void aThrowingListenerDoesNotBreakTheBreakerOrOtherListeners() {
        CircuitBreaker b = new CircuitBreaker("sa-2", CircuitBreakerConfig.builder().failureThreshold(1).build(), ticker)
                .onStateChange((br, from, to) -> {
                    throw new IllegalStateException("listener bug");
                })
                .onStateChange((br, from, to) -> transitions.add(from + "->" + to));
        fail(b, 1);
        assertThat(b.state()).isEqualTo(OPEN);
        ticker.advance(Duration.ofSeconds(30));
        granted(b).onSuccess();
        assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN");
    }

    @Test
    void listenersRunOutsideAnyLockAndMayCallTheBreaker() {
        List<CircuitState> seen = new ArrayList<>();
        CircuitBreaker b = new CircuitBreaker("sa-3", CircuitBreakerConfig.builder().failureThreshold(1).build(), ticker);
        b.onStateChange((br, from, to) -> seen.add(br.state()));
        fail(b, 1);
        assertThat(seen).containsExactly(OPEN);
    }

    @Test
    void resetClosesAnOpenCircuitAndDisownsEarlierPermits() {
        CircuitBreaker b = defaults();
        Permit before = granted(b);
        fail(b, 5);
        b.reset();
        assertThat(b.state()).isEqualTo(CLOSED);
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->CLOSED");
        fail(b, 4);
        before.onFailure();                               // from before the reset: not the fifth failure
        assertThat(b.state()).isEqualTo(CLOSED);
    }

    @Test
    void disabledBreakerNeverOpens() {
        CircuitBreaker b = CircuitBreaker.disabled();
        for (int i = 0; i < 1000; i++) {
            granted(b).onFailure();
        }
        assertThat(b.state()).isEqualTo(CLOSED);
        assertThat(b.isCallPermitted()).isTrue();
    }

    @Test
    void disabledBreakerKeepsNoListener() {
        CircuitStateListener listener = (br, from, to) -> transitions.add("never");   // capturing: a new object
        WeakReference<CircuitStateListener> ref = new WeakReference<>(listener);
        assertThat(CircuitBreaker.disabled().onStateChange(listener)).isSameAs(CircuitBreaker.disabled());
        CircuitBreaker.disabled().removeListener(listener);       // a no-op, and harmless
        CircuitBreaker.disabled().onStateChange(listener);
        listener = null;

        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
        }
        assertThat(ref.get()).as("the shared disabled breaker must not pin a caller's listener").isNull();
    }

    @Test
    void aCallerThatOnlyAsksIsCallPermittedStillSeesAnExpiredTrialReopen() {
        CircuitBreaker b = defaults();
        halfOpen(b);
        granted(b);                                       // the trial that never reports
        ticker.advance(Duration.ofSeconds(10));

        // Routing asks only this question: it must apply the trial timeout itself ...
        assertThat(b.isCallPermitted()).isFalse();
        ticker.advance(Duration.ofSeconds(30));
        // ... or the backend would be filtered out for good.
        assertThat(b.isCallPermitted()).isTrue();
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->HALF_OPEN", "sa-1 HALF_OPEN->OPEN");
    }

    @Test
    void releaseFreesTheTrialWithoutAVerdict() {
        CircuitBreaker b = breaker(CircuitBreakerConfig.builder().successThreshold(1).build());
        halfOpen(b);
        Permit trial = granted(b);
        assertDenied(b);                                  // the only trial slot is taken

        trial.release();

        assertThat(b.state()).isEqualTo(HALF_OPEN);       // neither closed nor reopened
        Permit next = granted(b);                         // the slot is free again
        trial.onFailure();                                // already settled by the release: ignored
        assertThat(b.state()).isEqualTo(HALF_OPEN);
        next.onSuccess();
        assertThat(b.state()).isEqualTo(CLOSED);
        granted(b).release();                             // a CLOSED permit holds nothing
        assertThat(b.state()).isEqualTo(CLOSED);
    }
}
