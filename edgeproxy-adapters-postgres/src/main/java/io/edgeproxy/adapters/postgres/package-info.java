/**
 * PostgreSQL backend registry shared by many proxy instances: {@link
 * io.edgeproxy.adapters.postgres.PostgresBackendRepository}, configured by {@link
 * io.edgeproxy.adapters.postgres.PostgresConfig}. The machinery (schema, SQL, sync thread,
 * listener) lives in {@code internal} and is not API.
 */
package io.edgeproxy.adapters.postgres;
