package io.edgeproxy.infrastructure.circuit;

import io.edgeproxy.infrastructure.proxy.BackendGate.Permit;
import io.edgeproxy.domain.testing.Concurrently;
import io.edgeproxy.domain.testing.FakeTicker;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakerConcurrencyTest {

    private static final int THREADS = 8;

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void halfOpenNeverRunsMoreThanHalfOpenMaxTrialsAtOnce(int maxTrials) throws Exception {
        FakeTicker ticker = new FakeTicker();
        // a success threshold that is never reached keeps the circuit half-open for the whole test
        CircuitBreaker b = new CircuitBreaker("race", CircuitBreakerConfig.builder().failureThreshold(1)
                .successThreshold(Integer.MAX_VALUE).halfOpenMaxTrials(maxTrials).build(), ticker);
        b.tryAcquirePermit().onFailure();
        ticker.advance(Duration.ofSeconds(30));
        assertThat(b.state()).isEqualTo(CircuitState.HALF_OPEN);

        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        LongAdder trials = new LongAdder();
        Concurrently.start(THREADS, t -> {
            for (int i = 0; i < 20_000; i++) {
                Permit p = b.tryAcquirePermit();
                if (p != Permit.DENIED) {
                    int now = inFlight.incrementAndGet();
                    maxInFlight.accumulateAndGet(now, Math::max);
                    trials.increment();
                    Thread.onSpinWait();
                    inFlight.decrementAndGet();
                    p.onSuccess();
                }
            }
        }).join(30);

        assertThat(b.state()).isEqualTo(CircuitState.HALF_OPEN);
        assertThat(maxInFlight.get()).isLessThanOrEqualTo(maxTrials);
        assertThat(trials.sum()).as("trials did run").isGreaterThan(100);
    }

    @Test
    void racingFailuresOpenTheCircuitExactlyOnce() throws Exception {
        FakeTicker ticker = new FakeTicker();
        LongAdder opened = new LongAdder();
        CircuitBreaker b = new CircuitBreaker("race", CircuitBreakerConfig.ofDefaults(), ticker)
                .onStateChange((br, from, to) -> {
                    if (to == CircuitState.OPEN) {
                        opened.increment();
                    }
                });
        Concurrently.start(THREADS, t -> {
            for (int i = 0; i < 1000; i++) {
                b.tryAcquirePermit().onFailure();          // DENIED once open: settling it does nothing
            }
        }).join(30);
        assertThat(b.state()).isEqualTo(CircuitState.OPEN);
        assertThat(opened.sum()).isEqualTo(1);
    }

    @Test
    void racingTrialSuccessesCloseTheCircuitExactlyOnce() throws Exception {
        FakeTicker ticker = new FakeTicker();
        LongAdder closed = new LongAdder();
        CircuitBreaker b = new CircuitBreaker("race", CircuitBreakerConfig.builder().failureThreshold(1)
                .successThreshold(50).halfOpenMaxTrials(8).build(), ticker)
                .onStateChange((br, from, to) -> {
                    if (to == CircuitState.CLOSED) {
                        closed.increment();
                    }
                });
        b.tryAcquirePermit().onFailure();
        ticker.advance(Duration.ofSeconds(30));
        Concurrently.start(THREADS, t -> {
            for (int i = 0; i < 1000; i++) {
                b.tryAcquirePermit().onSuccess();
            }
        }).join(30);
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
        assertThat(closed.sum()).isEqualTo(1);
    }

    @Test
    void racingStaleResultsNeverSettleATrialTheyDoNotOwn() throws Exception {
        FakeTicker ticker = new FakeTicker();
        CircuitBreaker b = new CircuitBreaker("race", CircuitBreakerConfig.builder().failureThreshold(1)
                .successThreshold(2).halfOpenMaxTrials(2).build(), ticker);
        Permit stale = b.tryAcquirePermit();               // admitted while CLOSED
        stale.onFailure();
        ticker.advance(Duration.ofSeconds(30));
        Permit first = b.tryAcquirePermit();
        Permit second = b.tryAcquirePermit();
        assertThat(b.tryAcquirePermit()).isSameAs(Permit.DENIED);

        // stale closed results and repeated reports of the first trial, from every side at once
        Concurrently.start(THREADS, t -> {
            for (int i = 0; i < 20_000; i++) {
                switch ((t + i) % 4) {
                    case 0 -> stale.onSuccess();
                    case 1 -> stale.onFailure();
                    case 2 -> stale.release();
                    default -> first.onSuccess();
                }
            }
        }).join(30);

        assertThat(b.state()).as("one trial success of two needed").isEqualTo(CircuitState.HALF_OPEN);
        Permit third = b.tryAcquirePermit();
        assertThat(third).as("exactly the first trial's slot was freed").isNotSameAs(Permit.DENIED);
        assertThat(b.tryAcquirePermit()).isSameAs(Permit.DENIED);
        second.onSuccess();
        assertThat(b.state()).isEqualTo(CircuitState.CLOSED);
    }
}
