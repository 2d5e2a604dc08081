/**
 * Active health checks: {@link io.edgeproxy.infrastructure.health.HealthChecker} probes one backend
 * (TCP connect or HTTP status) over non-blocking I/O on a shared probe loop;
 * {@link io.edgeproxy.infrastructure.health.HealthMonitor} probes every backend of a repository and
 * is the proxy's {@code BackendAvailability}.
 */
package io.edgeproxy.infrastructure.health;
