/**
 * Per-backend circuit breaking: {@link io.edgeproxy.infrastructure.circuit.CircuitBreaker} (CLOSED,
 * OPEN, HALF_OPEN with bounded trials), its {@link io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig},
 * and the per-backend registry {@link io.edgeproxy.infrastructure.circuit.CircuitBreakers}, which is
 * the proxy's {@code BackendAvailability}.
 */
package io.edgeproxy.infrastructure.circuit;
