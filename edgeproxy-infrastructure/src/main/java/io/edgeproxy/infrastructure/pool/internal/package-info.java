/** Machinery of the connection pool (per-backend slots, the non-blocking warm connector); not an API. */
package io.edgeproxy.infrastructure.pool.internal;
