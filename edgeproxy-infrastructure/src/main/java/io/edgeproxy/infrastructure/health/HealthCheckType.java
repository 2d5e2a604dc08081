package io.edgeproxy.infrastructure.health;

/**
 * What a health probe does: {@link #tcp()} opens a TCP connection, {@link #http()} sends an HTTP/1.1
 * {@code GET} and checks the status code.
 *
 * <pre>{@code
 * HealthCheckType tcp = HealthCheckType.tcp();
 * HealthCheckType http = HealthCheckType.http("/health", 200);
 * }</pre>
 */
public sealed interface HealthCheckType permits HealthCheckType.Tcp, HealthCheckType.Http {

    /** The path of {@link #http()}: {@code /health}. */
    String DEFAULT_PATH = "/health";
    /** The status {@link #http()} expects: 200. */
    int DEFAULT_EXPECTED_STATUS = 200;

    /** @return the check that passes when a TCP connection is established within the timeout */
    static HealthCheckType tcp() {
        return Tcp.INSTANCE;
    }

    /** @return {@code GET /health}, expecting 200 */
    static HealthCheckType http() {
        return new Http(DEFAULT_PATH, DEFAULT_EXPECTED_STATUS);
    }

    /** @return {@code GET path}, expecting 200 */
    static HealthCheckType http(String path) {
        return new Http(path, DEFAULT_EXPECTED_STATUS);
    }

    /** @return {@code GET path}, expecting {@code expectedStatus} */
    static HealthCheckType http(String path, int expectedStatus) {
        return new Http(path, expectedStatus);
    }

    /**
     * The type named by configuration, as in {@code EDGEPROXY_HEALTH_CHECK_TYPE} and
     * {@code EDGEPROXY_HEALTH_CHECK_PATH}.
     *
     * @param name {@code tcp} or {@code http}, any case
     * @param path the HTTP path (ignored for tcp); null for {@link #DEFAULT_PATH}
     * @throws IllegalArgumentException for any other name, or a bad path
     */
    static HealthCheckType named(String name, String path) {
        String n = name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT);
        switch (n) {
            case "tcp":
                return tcp();
            case "http":
                return http(path == null ? DEFAULT_PATH : path);
            default:
                throw new IllegalArgumentException("checkType must be tcp or http, but was \"" + name + "\"");
        }
    }

    /** A TCP connect check. */
    final class Tcp implements HealthCheckType {
        static final Tcp INSTANCE = new Tcp();

        private Tcp() {
        }

        @Override
        public String toString() {
            return "tcp";
        }
    }

    /**
     * An HTTP/1.1 GET check: passes when the response's status code equals {@code expectedStatus}.
     * Only the status line is read (at most 4 KiB); the connection is closed at once.
     *
     * @param path           the request target; must start with {@code /} and hold no spaces or
     *                       control characters
     * @param expectedStatus the status code that means healthy, 100 to 599
     */
    record Http(String path, int expectedStatus) implements HealthCheckType {
        public Http {
            if (path == null || !path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with \"/\", but was \"" + path + "\"");
            }
            for (int i = 0; i < path.length(); i++) {
                char c = path.charAt(i);
                if (c <= ' ' || c >= 0x7F) {
                    throw new IllegalArgumentException("path must be printable ASCII without spaces, but was \""
                            + path + "\"");
                }
            }
            if (expectedStatus < 100 || expectedStatus > 599) {
                throw new IllegalArgumentException("expectedStatus must be between 100 and 599, but was "
                        + expectedStatus);
            }
        }

        @Override
        public String toString() {
            return "http " + path + " " + expectedStatus;
        }
    }
}
