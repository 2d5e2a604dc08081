/**
 * Prometheus metrics for the proxy: {@link io.edgeproxy.adapters.prometheus.PrometheusMetricsStore}
 * (a {@code MetricsStore}, a {@code ConnectionListener} and a {@code ProxyExtension} in one) and its
 * HTTP endpoint, configured by {@link io.edgeproxy.adapters.prometheus.PrometheusMetricsConfig}.
 * Built on the official Prometheus Java client 1.x. See {@code docs/metrics.md}.
 */
package io.edgeproxy.adapters.prometheus;
