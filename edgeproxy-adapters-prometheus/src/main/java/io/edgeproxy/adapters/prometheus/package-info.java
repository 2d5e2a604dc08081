/**
 * Prometheus metrics ({@code PrometheusMetricsStore}) and the metrics endpoint.
 * Arrives with its own issue; this module holds only its skeleton for now.
 */
package io.edgeproxy.adapters.prometheus;
