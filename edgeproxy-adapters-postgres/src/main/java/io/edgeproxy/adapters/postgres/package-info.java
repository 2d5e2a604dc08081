/**
 * PostgreSQL backend registry shared by many proxy instances ({@code PostgresBackendRepository}).
 * Arrives with its own issue; this module holds only its skeleton for now.
 */
package io.edgeproxy.adapters.postgres;
