package io.edgeproxy.domain.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polls a condition until it holds or a deadline passes: no sleep-then-assert, no hand-written
 * polling loop. A condition that comes true within microseconds returns within microseconds (the
 * first polls only yield); slower ones are polled every few milliseconds.
 *
 * <pre>{@code
 * Eventually.await(Duration.ofSeconds(5), "no active connections", () -> proxy.activeConnections() == 0,
 *         () -> "still " + proxy.activeConnections());
 * }</pre>
 */
public final class Eventually {

    /** Polls that only yield the processor before the first sleep. */
    private static final int YIELDING_POLLS = 1000;
    private static final long LONGEST_SLEEP_MILLIS = 5;

    private Eventually() {
    }

    /** Waits until {@code condition} holds, at most {@code within}; fails with {@code what} otherwise. */
    public static void await(Duration within, String what, BooleanSupplier condition) {
        await(within, what, condition, () -> "");
    }

    /** As {@link #await(Duration, String, BooleanSupplier)}, adding {@code state} to the failure message. */
    public static void await(Duration within, String what, BooleanSupplier condition, Supplier<Object> state) {
        long deadline = System.nanoTime() + within.toNanos();
        long sleepMillis = 0;
        for (int polls = 0; !condition.getAsBoolean(); polls++) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + within.toMillis() + " ms: " + what + " " + state.get());
            }
            if (polls < YIELDING_POLLS) {
                Thread.yield();
                continue;
            }
            sleepMillis = Math.min(LONGEST_SLEEP_MILLIS, sleepMillis + 1);
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + what, e);
            }
        }
    }
}
