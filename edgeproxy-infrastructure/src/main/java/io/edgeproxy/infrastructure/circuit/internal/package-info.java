/** Machinery of the circuit breaker; not an API. */
package io.edgeproxy.infrastructure.circuit.internal;
