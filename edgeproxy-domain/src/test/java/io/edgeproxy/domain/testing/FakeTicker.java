package io.edgeproxy.domain.testing;

import io.edgeproxy.domain.Ticker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that only moves when a test moves it. Thread-safe. */
public final class FakeTicker implements Ticker {

    private final AtomicLong nanos;

    public FakeTicker() {
        // an arbitrary origin, far from 0, to catch code that assumes nanoTime() starts anywhere
        this(-7_777_777_777_777L);
    }

    public FakeTicker(long start) {
        this.nanos = new AtomicLong(start);
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    public FakeTicker advance(Duration d) {
        nanos.addAndGet(d.toNanos());
        return this;
    }

    public FakeTicker advanceNanos(long n) {
        nanos.addAndGet(n);
        return this;
    }
}
