package io.edgeproxy.adapters.prometheus;

import io.edgeproxy.infrastructure.config.MetricsSettings;
import io.edgeproxy.infrastructure.net.SocketAddresses;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where {@link PrometheusMetricsStore} serves its exposition over HTTP. Immutable; validated when
 * built.
 *
 * <pre>{@code
 * PrometheusMetricsConfig endpoint = PrometheusMetricsConfig.enabled("0.0.0.0:9090", "/metrics");
 * PrometheusMetricsStore metrics = PrometheusMetricsStore.builder().endpoint(endpoint).build();
 * }</pre>
 *
 * @param enabled       whether to serve at all. Defaults to false ({@code EDGEPROXY_METRICS_ENABLED}):
 *                      the application can still read {@link PrometheusMetricsStore#scrape()} and serve it itself.
 * @param listenAddress where the HTTP endpoint listens. Defaults to {@code 0.0.0.0:9090}
 *                      ({@code EDGEPROXY_METRICS_LISTEN_ADDR}); port 0 picks a free port.
 * @param path          the URL path of the exposition. Defaults to {@code /metrics} ({@code EDGEPROXY_METRICS_PATH}).
 */
public record PrometheusMetricsConfig(boolean enabled, InetSocketAddress listenAddress, String path) {

    /** Defaults to {@code 0.0.0.0:9090}. */
    public static final String DEFAULT_LISTEN_ADDR = "0.0.0.0:9090";
    /** Defaults to {@code /metrics}. */
    public static final String DEFAULT_PATH = "/metrics";

    public PrometheusMetricsConfig {
        Objects.requireNonNull(listenAddress, "listenAddress must not be null");
        Objects.requireNonNull(path, "path must not be null");
        if (!isValidPath(path)) {
            throw new IllegalArgumentException("path must start with '/' and hold no spaces, '?' or '#', such as /metrics, but was \""
                    + path + "\"");
        }
    }

    /** @return the endpoint switched off, at the default address and path */
    public static PrometheusMetricsConfig ofDefaults() {
        return new PrometheusMetricsConfig(false, SocketAddresses.parse(DEFAULT_LISTEN_ADDR), DEFAULT_PATH);
    }

    /** @return an endpoint switched on at {@code hostPort} ({@code 0.0.0.0:9090}, {@code 127.0.0.1:0}) and {@code path} */
    public static PrometheusMetricsConfig enabled(String hostPort, String path) {
        return new PrometheusMetricsConfig(true, SocketAddresses.parse(hostPort), path);
    }

    /** @return whether {@code path} is a usable URL path for the endpoint (the rule of {@code EDGEPROXY_METRICS_PATH}) */
    public static boolean isValidPath(String path) {
        return MetricsSettings.isPath(path);
    }
}
