package io.edgeproxy.infrastructure.config;

import io.edgeproxy.infrastructure.net.SocketAddresses;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;

/**
 * The Prometheus metrics endpoint of a standalone proxy, as plain values: the
 * {@code edgeproxy-adapters-prometheus} module turns them into its {@code PrometheusMetricsConfig}
 * (infrastructure never depends on an adapter). Immutable.
 *
 * <table>
 *   <caption>Variables</caption>
 *   <tr><th>variable</th><th>default</th></tr>
 *   <tr><td>{@code EDGEPROXY_METRICS_ENABLED}</td><td>false</td></tr>
 *   <tr><td>{@code EDGEPROXY_METRICS_LISTEN_ADDR}</td><td>{@code 0.0.0.0:9090}</td></tr>
 *   <tr><td>{@code EDGEPROXY_METRICS_PATH}</td><td>{@code /metrics}</td></tr>
 * </table>
 *
 * <pre>{@code
 * Env env = Env.of(System.getenv());
 * EdgeProxySettings settings = EdgeProxySettings.read(env);
 * MetricsSettings metrics = MetricsSettings.read(env);
 * env.validate();
 * }</pre>
 *
 * @param enabled       whether to serve metrics over HTTP. Defaults to false.
 * @param listenAddress where the endpoint listens. Defaults to {@code 0.0.0.0:9090}.
 * @param path          the URL path of the exposition. Defaults to {@code /metrics}.
 */
public record MetricsSettings(boolean enabled, InetSocketAddress listenAddress, String path) {

    public static final String METRICS_ENABLED = "EDGEPROXY_METRICS_ENABLED";
    public static final String METRICS_LISTEN_ADDR = "EDGEPROXY_METRICS_LISTEN_ADDR";
    public static final String METRICS_PATH = "EDGEPROXY_METRICS_PATH";

    /** Defaults to {@code 0.0.0.0:9090}. */
    public static final String DEFAULT_LISTEN_ADDR = "0.0.0.0:9090";
    /** Defaults to {@code /metrics}. */
    public static final String DEFAULT_PATH = "/metrics";

    public MetricsSettings {
        Objects.requireNonNull(listenAddress, "listenAddress must not be null");
        if (!isPath(path)) {
            throw new IllegalArgumentException("path must start with '/' and hold no spaces, '?' or '#', such as /metrics, but was "
                    + (path == null ? "null" : "\"" + path + "\""));
        }
    }

    /** @return the endpoint off, at the default address and path */
    public static MetricsSettings ofDefaults() {
        return read(Env.of(Map.of()));
    }

    /**
     * Reads the three variables through {@code env}; bad values are recorded there (one message
     * naming the variable and the value) for {@link Env#validate()}, and replaced by defaults. The
     * address and path are validated even while the endpoint is off.
     */
    public static MetricsSettings read(Env env) {
        boolean enabled = env.bool(METRICS_ENABLED, false);
        InetSocketAddress listen = env.address(METRICS_LISTEN_ADDR, DEFAULT_LISTEN_ADDR);
        String path = env.parsed(METRICS_PATH, DEFAULT_PATH, "a URL path starting with '/' without spaces, '?' or '#', such as /metrics",
                v -> isPath(v) ? v : null);
        return new MetricsSettings(enabled, listen, path);
    }

    /** @return whether {@code path} is a usable URL path: starts with '/', no spaces, '?', '#' or control characters */
    public static boolean isPath(String path) {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            return false;
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= ' ' || c == '?' || c == '#' || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** @return e.g. {@code on at 0.0.0.0:9090/metrics} or {@code off} */
    public String describe() {
        return enabled ? "on at " + SocketAddresses.format(listenAddress) + path : "off";
    }
}
