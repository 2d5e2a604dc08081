package io.edgeproxy.infrastructure.config;

import java.time.Duration;

/**
 * How the standalone proxy stops, from the environment.
 *
 * @param timeout {@code EDGEPROXY_SHUTDOWN_TIMEOUT_SECS}: how long a SIGTERM or Ctrl+C lets open
 *                connections finish before the rest are reset. Defaults to 30 seconds.
 */
public record ShutdownSettings(Duration timeout) {

    public static final String SHUTDOWN_TIMEOUT_SECS = "EDGEPROXY_SHUTDOWN_TIMEOUT_SECS";
    /** Defaults to 30 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Reads {@code EDGEPROXY_SHUTDOWN_TIMEOUT_SECS}; a bad value is collected by {@code env}. */
    public static ShutdownSettings read(Env env) {
        return new ShutdownSettings(env.seconds(SHUTDOWN_TIMEOUT_SECS, DEFAULT_TIMEOUT));
    }
}
