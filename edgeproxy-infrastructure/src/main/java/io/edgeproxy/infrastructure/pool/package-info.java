/**
 * Backend connection pooling: {@link io.edgeproxy.infrastructure.pool.ConnectionPool} lends
 * validated connections ({@link io.edgeproxy.infrastructure.pool.PooledConnection}) and, for the
 * proxy, keeps warm connected spares per backend ({@code take(backend)}); configured by
 * {@link io.edgeproxy.infrastructure.pool.PoolConfig}.
 */
package io.edgeproxy.infrastructure.pool;
