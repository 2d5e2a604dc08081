package io.edgeproxy.infrastructure.loop;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** A turn of the loop (tasks, a select, timers) allocates nothing: no garbage, no collections, under load. */
class EventLoopAllocationTest {

    private static final int TURNS = 20_000;

    @Test
    void aTurnOfTheLoopAllocatesNothing() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (EventLoops loops = EventLoops.start(1, "alloc-test")) {
            EventLoop loop = loops.get(0);
            AtomicLong done = new AtomicLong();
            Runnable task = done::incrementAndGet;
            oneTaskPerTurn(loop, task, done, TURNS); // warm-up: the JIT compiles the turn
            long before = onLoop(loop, threads::getCurrentThreadAllocatedBytes);
            oneTaskPerTurn(loop, task, done, TURNS);
            long after = onLoop(loop, threads::getCurrentThreadAllocatedBytes);
            // each turn woken by one task: a method reference made per turn would be 16 bytes each
            assertThat((after - before) / (double) TURNS).as("bytes allocated per turn").isLessThan(2.0);
        }
    }

    /** Submits {@code task} {@code n} times, each after the last ran, so that each wakes its own turn. */
    private static void oneTaskPerTurn(EventLoop loop, Runnable task, AtomicLong done, int n) {
        long target = done.get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; i < n; i++) {
            target++;
            loop.execute(task);
            while (done.get() < target) {
                Thread.onSpinWait();
                assertThat(System.nanoTime()).isLessThan(deadline);
            }
        }
    }

    private static long onLoop(EventLoop loop, java.util.function.LongSupplier read) throws Exception {
        CompletableFuture<Long> f = new CompletableFuture<>();
        loop.execute(() -> f.complete(read.getAsLong()));
        return f.get(10, TimeUnit.SECONDS);
    }
}
