package io.edgeproxy.infrastructure.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs tasks on N threads released together by one latch, and carries the first failure back to
 * the test thread (HikariCP's race-test shape).
 */
public final class Concurrently {

    /** A task that may throw. */
    @FunctionalInterface
    public interface Task {
        void run(int thread) throws Exception;
    }

    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch start = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /** Starts {@code n} threads running {@code task}, all waiting on one start latch. */
    public static Concurrently start(int n, Task task) {
        Concurrently c = new Concurrently();
        for (int i = 0; i < n; i++) {
            int id = i;
            Thread t = new Thread(() -> {
                try {
                    c.start.await();
                    task.run(id);
                } catch (Throwable e) {
                    c.failure.compareAndSet(null, e);
                }
            }, "race-" + i);
            t.setDaemon(true);
            c.threads.add(t);
            t.start();
        }
        c.start.countDown();
        return c;
    }

    /** Waits for every thread (at most {@code timeoutSeconds} in all) and rethrows the first failure. */
    public void join(long timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            if (t.isAlive()) {
                throw new AssertionError(t.getName() + " did not finish within " + timeoutSeconds + " s");
            }
        }
        Throwable f = failure.get();
        if (f instanceof Exception) {
            throw (Exception) f;
        }
        if (f instanceof Error) {
            throw (Error) f;
        }
    }
}
