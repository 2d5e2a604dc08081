package io.edgeproxy.infrastructure.loop;

import io.edgeproxy.infrastructure.loop.internal.EpollProvider;

import java.nio.channels.spi.SelectorProvider;
import java.util.Locale;

/**
 * What the event loops' sockets and selectors are made of ({@code EDGEPROXY_TRANSPORT},
 * {@code ProxyConfig.transport}).
 *
 * <ul>
 *   <li>{@link #EPOLL}: Linux's epoll through the library's small JNI library: fewer system calls and
 *       less memory per connection than the JDK's NIO (docs/transport.md). Refuses to start where
 *       the library cannot be loaded, and says why.</li>
 *   <li>{@link #NIO}: the JDK's NIO, on any platform.</li>
 *   <li>{@link #AUTO} (the default): epoll where it loads, else NIO.</li>
 * </ul>
 * The system property {@code edgeproxy.transport} ({@code auto}, {@code epoll}, {@code nio}) sets the
 * default of a JVM, for groups made without naming one.
 */
public enum Transport {
    AUTO, EPOLL, NIO;

    /** The system property that sets {@link #defaultTransport()}. */
    public static final String PROPERTY = "edgeproxy.transport";

    /**
     * @return the provider of this transport's channels and selectors
     * @throws IllegalStateException for {@link #EPOLL} where its native library cannot be loaded
     */
    public SelectorProvider provider() {
        switch (this) {
            case NIO:
                return SelectorProvider.provider();
            case EPOLL: {
                EpollProvider epoll = EpollProvider.instance();
                if (epoll == null) {
                    throw new IllegalStateException(unavailableReason());
                }
                return epoll;
            }
            default: {
                EpollProvider epoll = EpollProvider.instance();
                return epoll != null ? epoll : SelectorProvider.provider();
            }
        }
    }

    /**
     * @return why this transport cannot run here, or null when it can ({@link #AUTO} and
     *         {@link #NIO} always can)
     */
    public String unavailableReason() {
        if (this != EPOLL || EpollProvider.instance() != null) {
            return null;
        }
        return "the epoll transport is not available here: " + EpollProvider.unavailableReason()
                + " (auto or nio run everywhere)";
    }

    /** @return the transport {@link #AUTO} resolves to here: {@link #EPOLL} or {@link #NIO} */
    public Transport resolved() {
        return this != AUTO ? this : EpollProvider.instance() != null ? EPOLL : NIO;
    }

    /**
     * @return the transport named by {@code name} ({@code auto}, {@code epoll}, {@code nio}, any case)
     * @throws IllegalArgumentException naming the accepted values otherwise
     */
    public static Transport parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("transport must be auto, epoll or nio, but was '" + name + "'");
        }
    }

    /**
     * @return the transport of the system property {@value #PROPERTY}, or {@link #AUTO} without it
     * @throws IllegalArgumentException when the property holds something else
     */
    public static Transport defaultTransport() {
        String value = System.getProperty(PROPERTY);
        if (value == null) {
            return AUTO;
        }
        try {
            return parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("system property " + PROPERTY + ": " + e.getMessage());
        }
    }
}
