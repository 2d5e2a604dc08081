package io.edgeproxy.adapters.postgres.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes: no sleep-then-assert. */
public final class Eventually {

    private Eventually() {
    }

    /** Waits until {@code condition} holds, at most {@code within}; fails with {@code what} and {@code state} otherwise. */
    public static void await(Duration within, String what, BooleanSupplier condition, Supplier<Object> state) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + within.toMillis() + " ms: " + what + " " + state.get());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + what, e);
            }
        }
    }
}
