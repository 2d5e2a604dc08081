package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.testing.Concurrently;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class BackendLoadTest {

    private static final int THREADS = 8;

    private static Backend backend(String id, int hardLimit) {
        return Backend.builder(id).app("api").region("sa").country("BR").address("10.0.0.1").port(8080)
                .softLimit(Math.min(hardLimit, 100)).hardLimit(hardLimit).build();
    }

    @Test
    void countsUpToTheHardLimitAndNoFurther() {
        BackendLoad load = new BackendLoad();
        Backend b = backend("a", 3);

        assertThat(load.tryAcquire(b)).isTrue();
        assertThat(load.tryAcquire(b)).isTrue();
        assertThat(load.tryAcquire(b)).isTrue();
        assertThat(load.tryAcquire(b)).isFalse();
        assertThat(load.active("a")).isEqualTo(3);
    }

    @Test
    void releaseFreesASlot() {
        BackendLoad load = new BackendLoad();
        Backend b = backend("a", 1);
        load.tryAcquire(b);

        load.release("a");

        assertThat(load.active("a")).isZero();
        assertThat(load.tryAcquire(b)).isTrue();
    }

    @Test
    void countsEachBackendSeparately() {
        BackendLoad load = new BackendLoad();
        load.tryAcquire(backend("a", 5));
        load.tryAcquire(backend("a", 5));
        load.tryAcquire(backend("b", 5));

        assertThat(load.active("a")).isEqualTo(2);
        assertThat(load.active("b")).isEqualTo(1);
    }

    @Test
    void knowsNothingOfAnUnseenBackend() {
        BackendLoad load = new BackendLoad();

        load.release("never-acquired");

        assertThat(load.active("never-acquired")).isZero();
    }

    @Test
    void neverLetsEightThreadsPassTheHardLimitTogether() throws Exception {
        // Many backends, walked in the same order by every thread: each one is a fresh race for its
        // last slots, which a check-then-increment would lose now and then.
        BackendLoad load = new BackendLoad();
        List<Backend> backends = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            backends.add(backend("b" + i, 3));
        }
        AtomicInteger acquired = new AtomicInteger();

        Concurrently.start(THREADS, thread -> {
            for (Backend b : backends) {
                for (int i = 0; i < 2; i++) {
                    if (load.tryAcquire(b)) {
                        acquired.incrementAndGet();
                    }
                }
            }
        }).join(60);

        assertThat(backends).allSatisfy(b -> assertThat(load.active(b.id())).as(b.id()).isEqualTo(3));
        assertThat(acquired.get()).isEqualTo(3 * backends.size());
    }

    @Test
    void holdsTheHardLimitWhileEightThreadsAcquireAndRelease() throws Exception {
        BackendLoad load = new BackendLoad();
        Backend b = backend("a", 3);
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger mostHeld = new AtomicInteger();
        AtomicInteger successes = new AtomicInteger();

        Concurrently.start(THREADS, thread -> {
            for (int i = 0; i < 100_000; i++) {
                if (load.tryAcquire(b)) {
                    successes.incrementAndGet();
                    mostHeld.accumulateAndGet(holding.incrementAndGet(), Math::max);
                    holding.decrementAndGet();
                    load.release("a");
                }
            }
        }).join(60);

        assertThat(mostHeld.get()).isBetween(1, 3);
        assertThat(successes.get()).isPositive();
        assertThat(load.active("a")).isZero();
    }

    @Test
    void retainOnlyForgetsIdleCountersOfRemovedBackendsAndKeepsBusyOnes() {
        BackendLoad load = new BackendLoad();
        Backend kept = backend("kept", 10);
        Backend goneIdle = backend("gone-idle", 10);
        Backend goneBusy = backend("gone-busy", 10);
        load.tryAcquire(kept);
        load.tryAcquire(goneIdle);
        load.release("gone-idle");
        load.tryAcquire(goneBusy);

        int removed = load.retainOnly(java.util.Set.of("kept"));

        assertThat(removed).isEqualTo(1);
        assertThat(load.size()).isEqualTo(2);
        assertThat(load.active("gone-busy")).isEqualTo(1); // its connection still counts until it ends
        assertThat(load.active("kept")).isEqualTo(1);
        load.release("gone-busy");
        assertThat(load.retainOnly(java.util.Set.of("kept"))).isEqualTo(1);
        assertThat(load.size()).isEqualTo(1);
    }
}
