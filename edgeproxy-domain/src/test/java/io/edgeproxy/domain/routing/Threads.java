package io.edgeproxy.domain.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Runs a task on N threads released together by one latch, and carries their failures back. */
final class Threads {

    private Threads() {
    }

    @FunctionalInterface
    interface Task {
        /** @param thread the index of the thread running it, 0 to N-1 */
        void run(int thread) throws Exception;
    }

    /** Runs {@code task} on {@code n} threads started at the same moment; rethrows their failures. */
    static void runTogether(int n, Task task) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch start = new CountDownLatch(1);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>(n);
        for (int t = 0; t < n; t++) {
            int index = t;
            Thread thread = new Thread(() -> {
                ready.countDown();
                try {
                    start.await();
                    task.run(index);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "test-thread-" + t);
            threads.add(thread);
            thread.start();
        }
        if (!ready.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("threads did not start within 10 seconds");
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(60));
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " did not finish within 60 seconds");
            }
        }
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError(failures.size() + " of " + n + " threads failed");
            failures.forEach(error::addSuppressed);
            throw error;
        }
    }
}
