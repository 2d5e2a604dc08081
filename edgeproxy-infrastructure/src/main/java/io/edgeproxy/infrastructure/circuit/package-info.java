/**
 * Per-backend circuit breaking: {@link io.edgeproxy.infrastructure.circuit.CircuitBreaker} (CLOSED,
 * OPEN, HALF_OPEN with bounded trials), its {@link io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig},
 * and the per-backend registry {@link io.edgeproxy.infrastructure.circuit.CircuitBreakers}, which is
 * the proxy's {@code BackendAvailability} and its {@code BackendGate}.
 */
package io.edgeproxy.infrastructure.circuit;
