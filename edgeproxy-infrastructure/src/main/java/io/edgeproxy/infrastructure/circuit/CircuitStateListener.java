package io.edgeproxy.infrastructure.circuit;

/**
 * Told about every state change of a {@link CircuitBreaker}.
 *
 * <p>Called once per change, after the change took effect and outside any lock, on the thread that
 * caused it (possibly a proxy event loop): keep it short and non-blocking, hand anything slow to
 * another thread. An exception it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface CircuitStateListener {

    /**
     * @param breaker the breaker that changed ({@link CircuitBreaker#name()} is the backend id when it
     *                comes from {@link CircuitBreakers})
     * @param from    the state before
     * @param to      the state now
     */
    void onStateChange(CircuitBreaker breaker, CircuitState from, CircuitState to);
}
