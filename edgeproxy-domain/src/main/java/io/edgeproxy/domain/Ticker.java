package io.edgeproxy.domain;

/**
 * A source of monotonic nanoseconds, injected wherever time matters (binding TTLs, token buckets,
 * circuit breaker timeouts) so tests can drive time by hand instead of sleeping.
 *
 * <p>Values only mean something relative to each other, exactly like {@link System#nanoTime()}.
 */
@FunctionalInterface
public interface Ticker {

    /** @return the current time in nanoseconds, from an arbitrary fixed origin */
    long nanoTime();

    /** @return the ticker backed by {@link System#nanoTime()} */
    static Ticker system() {
        return System::nanoTime;
    }
}
