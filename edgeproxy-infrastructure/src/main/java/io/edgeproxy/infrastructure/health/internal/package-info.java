/** Machinery of the health checks (the NIO probe loop, the threshold rule); not an API. */
package io.edgeproxy.infrastructure.health.internal;
