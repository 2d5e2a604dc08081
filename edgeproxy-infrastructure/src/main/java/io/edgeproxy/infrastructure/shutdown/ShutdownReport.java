package io.edgeproxy.infrastructure.shutdown;

import java.time.Duration;

/**
 * What a draining shutdown did.
 *
 * @param drained connections that finished on their own during the drain
 * @param forced  connections still open at the timeout, reset (RST) by the proxy
 * @param took    from the start of the shutdown until everything was closed
 */
public record ShutdownReport(int drained, int forced, Duration took) {

    /** @return whether every connection finished on its own */
    public boolean clean() {
        return forced == 0;
    }

    @Override
    public String toString() {
        return (clean() ? "drained" : "forced") + ": " + drained + " connections finished, " + forced + " reset, in "
                + took.toMillis() + " ms";
    }
}
