package io.edgeproxy.infrastructure.circuit;

import io.edgeproxy.domain.testing.FakeTicker;
import org.junit.jupiter.api.Test;

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

    private static void fail(CircuitBreaker b, int times) {
        for (int i = 0; i < times; i++) {
            assertThat(b.allow()).isTrue();
            b.recordFailure();
        }
    }

    @Test
    void startsClosedAndAllowsEverything() {
        CircuitBreaker b = defaults();
        assertThat(b.state()).isEqualTo(CLOSED);
        for (int i = 0; i < 100; i++) {
            assertThat(b.allow()).isTrue();
            b.recordSuccess();
        }
        assertThat(transitions).isEmpty();
    }

    @Test
    void opensAfterFailureThresholdConsecutiveFailures() {
        CircuitBreaker b = defaults();
        fail(b, 4);
        assertThat(b.state()).isEqualTo(CLOSED);
        assertThat(b.consecutiveFailures()).isEqualTo(4);
        fail(b, 1);
        assertThat(b.state()).isEqualTo(OPEN);
        assertThat(b.allow()).isFalse();
        assertThat(b.isCallPermitted()).isFalse();
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN");
    }

    @Test
    void aSuccessResetsTheConsecutiveFailureCount() {
        CircuitBreaker b = defaults();
        fail(b, 4);
        b.recordSuccess();
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
        assertThat(b.allow()).isFalse();
        assertThat(b.state()).isEqualTo(OPEN);
        ticker.advanceNanos(1);
        assertThat(b.isCallPermitted()).isTrue();
        assertThat(b.state()).isEqualTo(HALF_OPEN);
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->HALF_OPEN");
    }

    @Test
    void closesAfterSuccessThresholdTrials() {
        CircuitBreaker b = defaults();
        fail(b, 5);
        ticker.advance(Duration.ofSeconds(30));
        for (int i = 0; i < 2; i++) {
            assertThat(b.allow()).isTrue();
            b.recordSuccess();
            assertThat(b.state()).isEqualTo(HALF_OPEN);
        }
        assertThat(b.allow()).isTrue();
        b.recordSuccess();
        assertThat(b.state()).isEqualTo(CLOSED);
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->HALF_OPEN", "sa-1 HALF_OPEN->CLOSED");
        // closed again means a fresh count: it takes the full threshold to reopen
        fail(b, 4);
        assertThat(b.state()).isEqualTo(CLOSED);
    }

    @Test
    void aFailedTrialReopensForAnotherFullTimeout() {
        CircuitBreaker b = defaults();
        fail(b, 5);
        ticker.advance(Duration.ofSeconds(30));
        assertThat(b.allow()).isTrue();
        b.recordSuccess();
        assertThat(b.allow()).isTrue();
        b.recordFailure();
        assertThat(b.state()).isEqualTo(OPEN);
        ticker.advance(Duration.ofSeconds(29));
        assertThat(b.allow()).isFalse();
        ticker.advance(Duration.ofSeconds(1));
        assertThat(b.allow()).isTrue();
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->HALF_OPEN", "sa-1 HALF_OPEN->OPEN",
                "sa-1 OPEN->HALF_OPEN");
    }

    @Test
    void halfOpenAdmitsOnlyHalfOpenMaxTrialsAtATime() {
        CircuitBreaker b = breaker(CircuitBreakerConfig.builder().halfOpenMaxTrials(2).build());
        fail(b, 5);
        ticker.advance(Duration.ofSeconds(30));
        assertThat(b.allow()).isTrue();
        assertThat(b.allow()).isTrue();
        assertThat(b.isCallPermitted()).isFalse();
        assertThat(b.allow()).isFalse();
        b.recordSuccess();                                // one trial reports: its permit is free again
        assertThat(b.isCallPermitted()).isTrue();
        assertThat(b.allow()).isTrue();
        assertThat(b.allow()).isFalse();
    }

    @Test
    void isCallPermittedNeverTakesATrialPermit() {
        CircuitBreaker b = defaults();
        fail(b, 5);
        ticker.advance(Duration.ofSeconds(30));
        for (int i = 0; i < 10; i++) {
            assertThat(b.isCallPermitted()).isTrue();
        }
        assertThat(b.allow()).isTrue();
        assertThat(b.isCallPermitted()).isFalse();
    }

    @Test
    void aTrialThatNeverReportsTimesOutAndReopens() {
        CircuitBreaker b = defaults();
        fail(b, 5);
        ticker.advance(Duration.ofSeconds(30));
        assertThat(b.allow()).isTrue();                   // ... and this trial never reports
        ticker.advance(Duration.ofSeconds(10).minusNanos(1));
        assertThat(b.allow()).isFalse();
        assertThat(b.state()).isEqualTo(HALF_OPEN);
        ticker.advanceNanos(1);
        assertThat(b.isCallPermitted()).isFalse();
        assertThat(b.state()).isEqualTo(OPEN);
        ticker.advance(Duration.ofSeconds(30));
        assertThat(b.allow()).as("not stuck: a new trial after the open timeout").isTrue();
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->HALF_OPEN", "sa-1 HALF_OPEN->OPEN",
                "sa-1 OPEN->HALF_OPEN");
    }

    @Test
    void resultsOfCallsAdmittedBeforeOpeningAreIgnored() {
        CircuitBreaker b = defaults();
        for (int i = 0; i < 10; i++) {
            assertThat(b.allow()).isTrue();               // ten calls in flight
        }
        for (int i = 0; i < 5; i++) {
            b.recordFailure();
        }
        assertThat(b.state()).isEqualTo(OPEN);
        b.recordFailure();                                 // late results while open
        b.recordSuccess();
        ticker.advance(Duration.ofSeconds(30));
        assertThat(b.state()).isEqualTo(HALF_OPEN);
        for (int i = 0; i < 3; i++) {
            b.recordSuccess();                             // late results in half-open, no trial outstanding
        }
        assertThat(b.state()).isEqualTo(HALF_OPEN);
        b.recordFailure();
        assertThat(b.state()).isEqualTo(HALF_OPEN);
        assertThat(b.allow()).isTrue();
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
        assertThat(b.allow()).isTrue();
        b.recordSuccess();
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
    void resetClosesAnOpenCircuit() {
        CircuitBreaker b = defaults();
        fail(b, 5);
        b.reset();
        assertThat(b.state()).isEqualTo(CLOSED);
        assertThat(b.allow()).isTrue();
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->CLOSED");
    }

    @Test
    void disabledBreakerNeverOpens() {
        CircuitBreaker b = CircuitBreaker.disabled();
        for (int i = 0; i < 1000; i++) {
            assertThat(b.allow()).isTrue();
            b.recordFailure();
        }
        assertThat(b.state()).isEqualTo(CLOSED);
        assertThat(b.isCallPermitted()).isTrue();
    }

    @Test
    void aCallerThatOnlyAsksIsCallPermittedStillSeesAnExpiredTrialReopen() {
        CircuitBreaker b = defaults();
        fail(b, 5);
        ticker.advance(Duration.ofSeconds(30));
        assertThat(b.allow()).isTrue();                   // the trial that never reports
        ticker.advance(Duration.ofSeconds(10));

        // Routing asks only this question: it must apply the trial timeout itself ...
        assertThat(b.isCallPermitted()).isFalse();
        ticker.advance(Duration.ofSeconds(30));
        // ... or the backend would be filtered out for good.
        assertThat(b.isCallPermitted()).isTrue();
        assertThat(transitions).containsExactly("sa-1 CLOSED->OPEN", "sa-1 OPEN->HALF_OPEN", "sa-1 HALF_OPEN->OPEN");
    }

    @Test
    void releasePermissionFreesTheTrialWithoutAVerdict() {
        CircuitBreaker b = breaker(CircuitBreakerConfig.builder().successThreshold(1).build());
        fail(b, 5);
        ticker.advance(Duration.ofSeconds(30));
        assertThat(b.allow()).isTrue();
        assertThat(b.allow()).isFalse();                  // the only trial slot is taken

        b.releasePermission();

        assertThat(b.state()).isEqualTo(HALF_OPEN);       // neither closed nor reopened
        assertThat(b.allow()).isTrue();                   // the slot is free again
        b.recordSuccess();
        assertThat(b.state()).isEqualTo(CLOSED);
        b.releasePermission();                            // no permit held: nothing happens
        assertThat(b.state()).isEqualTo(CLOSED);
    }
}
