package io.edgeproxy.infrastructure.health;

import java.time.Duration;
import java.util.Optional;

/**
 * What the probes say about one backend, at one moment. Immutable.
 *
 * @param healthy              whether the backend takes traffic
 * @param consecutiveSuccesses probes passed in a row (0 after a failure)
 * @param consecutiveFailures  probes failed in a row (0 after a success)
 * @param lastLatency          the time the last passing probe took (connect, or connect and status line)
 * @param lastError            why the last probe failed; empty when it passed
 * @param probes               probes completed since the checker started
 */
public record HealthStatus(boolean healthy, int consecutiveSuccesses, int consecutiveFailures,
                           Optional<Duration> lastLatency, Optional<String> lastError, long probes) {

    /** The status before the first probe: healthy, as HAProxy starts a server UP. */
    public static HealthStatus initial() {
        return new HealthStatus(true, 0, 0, Optional.empty(), Optional.empty(), 0);
    }

    @Override
    public String toString() {
        return (healthy ? "UP" : "DOWN") + " (" + consecutiveSuccesses + " ok, " + consecutiveFailures + " failed in a row"
                + lastLatency.map(l -> ", last " + l.toMillis() + " ms").orElse("")
                + lastError.map(e -> ", last error: " + e).orElse("") + ")";
    }
}
