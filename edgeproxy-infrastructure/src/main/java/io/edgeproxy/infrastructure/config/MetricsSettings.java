package io.edgeproxy.infrastructure.config;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The Prometheus metrics endpoint of a standalone proxy, read from the
 * {@code EDGEPROXY_METRICS_*} variables. Plain values: the launcher serves them with the
 * Prometheus adapter, so infrastructure never depends on the adapter module.
 *
 * <table>
 *   <caption>Variables</caption>
 *   <tr><th>variable</th><th>default</th></tr>
 *   <tr><td>{@code EDGEPROXY_METRICS_ENABLED}</td><td>false</td></tr>
 *   <tr><td>{@code EDGEPROXY_METRICS_LISTEN_ADDR}</td><td>{@code 0.0.0.0:9090}</td></tr>
 *   <tr><td>{@code EDGEPROXY_METRICS_PATH}</td><td>{@code /metrics}</td></tr>
 * </table>
 *
 * @param enabled       whether the endpoint is served
 * @param listenAddress where it listens. Defaults to {@code 0.0.0.0:9090}.
 * @param path          its HTTP path, starting with {@code /}. Defaults to {@code /metrics}.
 */
public record MetricsSettings(boolean enabled, InetSocketAddress listenAddress, String path) {

    public static final String ENABLED = "EDGEPROXY_METRICS_ENABLED";
    public static final String LISTEN_ADDR = "EDGEPROXY_METRICS_LISTEN_ADDR";
    public static final String PATH = "EDGEPROXY_METRICS_PATH";

    /** Defaults to {@code 0.0.0.0:9090}. */
    public static final String DEFAULT_LISTEN_ADDR = "0.0.0.0:9090";
    /** Defaults to {@code /metrics}. */
    public static final String DEFAULT_PATH = "/metrics";

    public MetricsSettings {
        Objects.requireNonNull(listenAddress, "listenAddress");
        if (path == null || !path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c == 127)) {
            throw new IllegalArgumentException("path must start with '/' and hold no spaces, but was \"" + path + "\"");
        }
    }

    /** Reads the variables through {@code env}; bad values are recorded in {@code env}. */
    public static MetricsSettings read(Env env) {
        boolean enabled = env.bool(ENABLED, false);
        InetSocketAddress address = env.address(LISTEN_ADDR, DEFAULT_LISTEN_ADDR);
        String path = env.parsed(PATH, DEFAULT_PATH, "an absolute path such as /metrics (starting with '/', no spaces)",
                p -> p.startsWith("/") && p.chars().noneMatch(c -> c <= ' ' || c == 127) ? p : null);
        return new MetricsSettings(enabled, address, path);
    }
}
