/** Prometheus metrics for edgeproxy: {@code PrometheusMetricsStore}, {@code PrometheusMetricsConfig}. */
module io.edgeproxy.adapters.prometheus {
    requires transitive io.edgeproxy.infrastructure;
    requires org.slf4j;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.writer.text;
    requires io.prometheus.metrics.exporter.httpserver;
    requires io.prometheus.metrics.instrumentation.jvm;

    exports io.edgeproxy.adapters.prometheus;
}
