package io.edgeproxy.infrastructure.health;

/**
 * Told when a backend turns healthy or unhealthy (not on every probe).
 *
 * <p>Called on the probe loop's thread, outside any lock: keep it short, never block. An exception
 * it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface HealthListener {

    /** @param status the status that caused the change; {@link HealthStatus#healthy()} is the new state */
    void onHealthChange(String backendId, HealthStatus status);
}
