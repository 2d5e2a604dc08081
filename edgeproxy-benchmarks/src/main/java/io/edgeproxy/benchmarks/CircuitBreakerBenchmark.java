package io.edgeproxy.benchmarks;

import io.edgeproxy.infrastructure.circuit.CircuitBreaker;
import io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig;
import io.edgeproxy.infrastructure.proxy.BackendGate.Permit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The breaker's cost on every proxied connection: take a permit, then report a success on it (the
 * circuit stays CLOSED). Ours ({@code tryAcquirePermit()} then {@code permit.onSuccess()}) against
 * Resilience4j ({@code tryAcquirePermission()} then {@code onSuccess(0, NANOSECONDS)}), configured
 * alike: Resilience4j with a count-based window of 5 calls and a 100% failure rate threshold opens
 * after 5 failures in a row, as ours does. Ours must allocate nothing here: check with
 * {@code -prof gc}.
 *
 * <p>Run with {@code -t 1} and {@code -t 2} for contention.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CircuitBreakerBenchmark {

    /** A breaker under test. */
    interface Breaker {
        boolean acquireAndSucceed();
    }

    @Param({"edgeproxy", "resilience4j"})
    public String impl;

    private Breaker breaker;

    @Setup(Level.Trial)
    public void setUp() {
        switch (impl) {
            case "edgeproxy": {
                CircuitBreaker ours = new CircuitBreaker("backend-1", CircuitBreakerConfig.ofDefaults());
                breaker = () -> {
                    Permit permit = ours.tryAcquirePermit();
                    if (permit != Permit.DENIED) {
                        permit.onSuccess();
                        return true;
                    }
                    return false;
                };
                break;
            }
            case "resilience4j": {
                io.github.resilience4j.circuitbreaker.CircuitBreaker r4j = io.github.resilience4j.circuitbreaker
                        .CircuitBreaker.of("backend-1", io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
                                .slidingWindowType(io.github.resilience4j.circuitbreaker.CircuitBreakerConfig
                                        .SlidingWindowType.COUNT_BASED)
                                .slidingWindowSize(5)
                                .minimumNumberOfCalls(5)
                                .failureRateThreshold(100)
                                .waitDurationInOpenState(Duration.ofSeconds(30))
                                .permittedNumberOfCallsInHalfOpenState(3)
                                .build());
                breaker = () -> {
                    if (r4j.tryAcquirePermission()) {
                        r4j.onSuccess(0, TimeUnit.NANOSECONDS);
                        return true;
                    }
                    return false;
                };
                break;
            }
            default:
                throw new IllegalArgumentException("impl must be edgeproxy or resilience4j, but was " + impl);
        }
    }

    @Benchmark
    public boolean acquirePermitAndSucceed() {
        return breaker.acquireAndSucceed();
    }
}
