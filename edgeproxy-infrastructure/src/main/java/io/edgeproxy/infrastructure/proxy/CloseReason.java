package io.edgeproxy.infrastructure.proxy;

import java.util.Locale;

/** Why a client connection ended. {@link #label()} is the lowercase name used in metrics and logs. */
public enum CloseReason {
    /** Both directions ended normally (each side sent its FIN and everything was delivered). */
    COMPLETED,
    /** The client reset or failed its socket. */
    CLIENT_ERROR,
    /** The backend reset or failed its socket after the connection was established. */
    BACKEND_ERROR,
    /** No byte either way for the idle timeout. */
    IDLE_TIMEOUT,
    /** No backend served the client: see the {@link RejectReason} reported just before. */
    REJECTED,
    /** The proxy closed it while stopping. */
    SHUTDOWN,
    /** An unexpected error in the proxy itself (logged). */
    INTERNAL_ERROR;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** @return the lowercase name, as metrics label it */
    public String label() {
        return label;
    }
}
