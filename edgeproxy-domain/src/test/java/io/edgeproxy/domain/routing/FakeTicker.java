package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Ticker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Ticker} that moves only when the test says so. Starts at an arbitrary non-zero value. */
final class FakeTicker implements Ticker {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    void advanceNanos(long n) {
        nanos.addAndGet(n);
    }
}
