package io.edgeproxy.infrastructure.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The PostgreSQL backend registry of a standalone proxy, read from the
 * {@code EDGEPROXY_POSTGRES_*} variables. Plain values: the launcher turns them into the
 * adapter's {@code PostgresConfig}, so infrastructure never depends on the adapter module. The
 * tuning variables are validated even while the registry is off. {@link #toString()} and every
 * error message mask the password of the URL.
 *
 * <table>
 *   <caption>Variables</caption>
 *   <tr><th>variable</th><th>default</th></tr>
 *   <tr><td>{@code EDGEPROXY_POSTGRES_ENABLED}</td><td>false</td></tr>
 *   <tr><td>{@code EDGEPROXY_POSTGRES_URL}</td><td>none; required when enabled</td></tr>
 *   <tr><td>{@code EDGEPROXY_POSTGRES_MAX_CONNECTIONS}</td><td>10</td></tr>
 *   <tr><td>{@code EDGEPROXY_POSTGRES_MIN_CONNECTIONS}</td><td>2</td></tr>
 *   <tr><td>{@code EDGEPROXY_POSTGRES_CONNECT_TIMEOUT_SECS}</td><td>5</td></tr>
 *   <tr><td>{@code EDGEPROXY_POSTGRES_QUERY_TIMEOUT_SECS}</td><td>10</td></tr>
 *   <tr><td>{@code EDGEPROXY_POSTGRES_RELOAD_SECS}</td><td>5</td></tr>
 * </table>
 *
 * @param enabled        whether backends come from PostgreSQL (then no config file is needed)
 * @param url            {@code postgres://user:password@host:5432/database} or {@code jdbc:postgresql://...};
 *                       present whenever {@code enabled}
 * @param maxConnections the most pooled connections. Defaults to 10.
 * @param minConnections idle connections kept open. Defaults to 2.
 * @param connectTimeout the longest wait for a connection. Defaults to 5 seconds.
 * @param queryTimeout   the longest one statement may run. Defaults to 10 seconds.
 * @param reloadInterval how often the backends are re-read besides change notifications. Defaults to 5 seconds.
 */
public record PostgresSettings(boolean enabled, Optional<String> url, int maxConnections, int minConnections,
                               Duration connectTimeout, Duration queryTimeout, Duration reloadInterval) {

    public static final String ENABLED = "EDGEPROXY_POSTGRES_ENABLED";
    public static final String URL = "EDGEPROXY_POSTGRES_URL";
    public static final String MAX_CONNECTIONS = "EDGEPROXY_POSTGRES_MAX_CONNECTIONS";
    public static final String MIN_CONNECTIONS = "EDGEPROXY_POSTGRES_MIN_CONNECTIONS";
    public static final String CONNECT_TIMEOUT_SECS = "EDGEPROXY_POSTGRES_CONNECT_TIMEOUT_SECS";
    public static final String QUERY_TIMEOUT_SECS = "EDGEPROXY_POSTGRES_QUERY_TIMEOUT_SECS";
    public static final String RELOAD_SECS = "EDGEPROXY_POSTGRES_RELOAD_SECS";

    /** Defaults to 10 connections. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10;
    /** Defaults to 2 connections. */
    public static final int DEFAULT_MIN_CONNECTIONS = 2;
    /** Defaults to 5 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Defaults to 10 seconds. */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(10);
    /** Defaults to 5 seconds. */
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(5);

    private static final Pattern SCHEME = Pattern.compile("(?i)^(postgres|postgresql)://.+|^jdbc:postgresql:.+");
    private static final Pattern USERINFO_PASSWORD = Pattern.compile("(://[^:/@\\s]*:)[^\\s]*@");
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)([?&;]password=)[^&;\\s]*");

    public PostgresSettings {
        Objects.requireNonNull(url, "url must not be null (use Optional.empty())");
        if (enabled && url.isEmpty()) {
            throw new IllegalArgumentException("url is required when enabled");
        }
    }

    /** @return the registry off, every tuning value at its default */
    public static PostgresSettings disabled() {
        return new PostgresSettings(false, Optional.empty(), DEFAULT_MAX_CONNECTIONS, DEFAULT_MIN_CONNECTIONS,
                DEFAULT_CONNECT_TIMEOUT, DEFAULT_QUERY_TIMEOUT, DEFAULT_RELOAD_INTERVAL);
    }

    /**
     * Reads the variables through {@code env}; bad values are recorded in {@code env} (reported by
     * {@link Env#validate()}), naming the variable and the value with any password masked.
     */
    public static PostgresSettings read(Env env) {
        boolean enabled = env.bool(ENABLED, false);
        Optional<String> url = env.get(URL);
        if (url.isPresent() && !SCHEME.matcher(url.get()).matches()) {
            env.reject(URL + " must be a URL such as postgres://user:password@host:5432/database or "
                    + "jdbc:postgresql://host:5432/database, but was \"" + maskPassword(url.get()) + "\"");
            url = Optional.empty();
        } else if (enabled && url.isEmpty()) {
            env.reject(URL + " is required when " + ENABLED + " is true, for example "
                    + "postgres://edgeproxy:secret@postgres:5432/edgeproxy");
        }
        int max = env.positiveInt(MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS);
        int min = env.intInRange(MIN_CONNECTIONS, DEFAULT_MIN_CONNECTIONS, 0, Integer.MAX_VALUE);
        if (min > max) {
            env.reject(MIN_CONNECTIONS + " must be at most " + MAX_CONNECTIONS + " (" + max + "), but was \"" + min + "\"");
            min = Math.min(DEFAULT_MIN_CONNECTIONS, max);
        }
        Duration connect = env.seconds(CONNECT_TIMEOUT_SECS, DEFAULT_CONNECT_TIMEOUT);
        Duration query = env.seconds(QUERY_TIMEOUT_SECS, DEFAULT_QUERY_TIMEOUT);
        Duration reload = env.seconds(RELOAD_SECS, DEFAULT_RELOAD_INTERVAL);
        return new PostgresSettings(enabled && url.isPresent(), url, max, min, connect, query, reload);
    }

    /** @return {@code url} with the password of a {@code user:password@} part or a {@code password=} parameter masked */
    public static String maskPassword(String url) {
        String masked = USERINFO_PASSWORD.matcher(url).replaceAll("$1***@");
        return PASSWORD_PARAMETER.matcher(masked).replaceAll("$1***");
    }

    /** Masks the password of the URL. */
    @Override
    public String toString() {
        return "PostgresSettings[enabled=" + enabled + ", url=" + url.map(PostgresSettings::maskPassword).orElse("none")
                + ", maxConnections=" + maxConnections + ", minConnections=" + minConnections
                + ", connectTimeout=" + connectTimeout + ", queryTimeout=" + queryTimeout
                + ", reloadInterval=" + reloadInterval + "]";
    }

    /** @return a short description for the startup log, such as {@code off} or the masked URL and intervals */
    public String describe() {
        if (!enabled) {
            return "off";
        }
        return maskPassword(url.orElseThrow()) + " (pool " + minConnections + ".." + maxConnections + ", reload every "
                + reloadInterval.toSeconds() + " s)";
    }
}
