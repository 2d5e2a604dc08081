package io.edgeproxy.domain.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task on N threads released together by one latch once all of them are ready, and carries
 * their failures back to the test thread (HikariCP's race-test shape).
 *
 * <pre>{@code
 * Concurrently.start(8, thread -> repo.save(...)).join(60);
 * }</pre>
 */
public final class Concurrently {

    /** A task that may throw. */
    @FunctionalInterface
    public interface Task {
        /** @param thread the index of the thread running it, 0 to N-1 */
        void run(int thread) throws Exception;
    }

    private final List<Thread> threads = new ArrayList<>();
    private final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();

    private Concurrently() {
    }

    /**
     * Starts {@code n} threads running {@code task} and releases them together once all are
     * waiting on the start latch; returns without waiting for them to finish.
     */
    public static Concurrently start(int n, Task task) {
        Concurrently c = new Concurrently();
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch start = new CountDownLatch(1);
        for (int i = 0; i < n; i++) {
            int id = i;
            Thread t = new Thread(() -> {
                ready.countDown();
                try {
                    start.await();
                    task.run(id);
                } catch (Throwable e) {
                    c.failures.add(e);
                }
            }, "race-" + i);
            t.setDaemon(true);
            c.threads.add(t);
            t.start();
        }
        try {
            if (!ready.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("threads did not start within 10 seconds");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while starting the threads", e);
        }
        start.countDown();
        return c;
    }

    /**
     * Waits for every thread (at most {@code timeoutSeconds} in all) and rethrows the first failure,
     * with the others attached as suppressed.
     */
    public void join(long timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            if (t.isAlive()) {
                throw new AssertionError(t.getName() + " did not finish within " + timeoutSeconds + " s");
            }
        }
        Throwable first = failures.poll();
        if (first == null) {
            return;
        }
        for (Throwable other : failures) {
            first.addSuppressed(other);
        }
        if (first instanceof Exception) {
            throw (Exception) first;
        }
        if (first instanceof Error) {
            throw (Error) first;
        }
        throw new AssertionError(first);
    }
}
