package io.edgeproxy.adapters.postgres.internal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential reconnect delays: {@code initial}, doubling up to {@code max}, each with +/-20%
 * jitter so that proxies which lost the same database do not all knock at once when it returns.
 * Not thread-safe.
 */
final class Backoff {

    private final long initialNanos;
    private final long maxNanos;
    private long nextNanos;

    Backoff(long initialNanos, long maxNanos) {
        this.initialNanos = Math.min(initialNanos, maxNanos);
        this.maxNanos = maxNanos;
        this.nextNanos = this.initialNanos;
    }

    /** @return the delay before the next attempt, in nanoseconds; each call doubles the base */
    long nextDelayNanos() {
        long base = nextNanos;
        nextNanos = Math.min(maxNanos, base * 2);
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return (long) (base * jitter);
    }

    /** After a success: the next failure waits {@code initial} again. */
    void reset() {
        nextNanos = initialNanos;
    }
}
