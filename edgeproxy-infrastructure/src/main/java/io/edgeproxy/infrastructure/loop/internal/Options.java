package io.edgeproxy.infrastructure.loop.internal;

import java.io.IOException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.Map;
import java.util.Set;

/** The socket options the epoll transport supports, as {@link Native}'s constants. */
final class Options {

    private static final Map<SocketOption<?>, Integer> NATIVE = Map.of(
            StandardSocketOptions.TCP_NODELAY, Native.OPT_TCP_NODELAY,
            StandardSocketOptions.SO_REUSEADDR, Native.OPT_SO_REUSEADDR,
            StandardSocketOptions.SO_REUSEPORT, Native.OPT_SO_REUSEPORT,
            StandardSocketOptions.SO_KEEPALIVE, Native.OPT_SO_KEEPALIVE,
            StandardSocketOptions.SO_RCVBUF, Native.OPT_SO_RCVBUF,
            StandardSocketOptions.SO_SNDBUF, Native.OPT_SO_SNDBUF,
            StandardSocketOptions.SO_LINGER, Native.OPT_SO_LINGER);

    static final Set<SocketOption<?>> SOCKET = Set.copyOf(NATIVE.keySet());
    static final Set<SocketOption<?>> SERVER = Set.of(StandardSocketOptions.SO_REUSEADDR,
            StandardSocketOptions.SO_REUSEPORT, StandardSocketOptions.SO_RCVBUF);

    private Options() {
    }

    /** Sets {@code name} on the socket, one of {@code supported}. */
    static <T> void set(Descriptor fd, Set<SocketOption<?>> supported, SocketOption<T> name, T value) throws IOException {
        int option = nativeOption(supported, name);
        if (value == null) {
            throw new IllegalArgumentException("Invalid value 'null'");
        }
        int v;
        if (name.type() == Boolean.class) {
            v = (Boolean) value ? 1 : 0;
        } else {
            v = (Integer) value;
            if (option == Native.OPT_SO_LINGER) {
                v = v < 0 ? -1 : Math.min(v, 65535); // as the JDK: negative turns it off
            } else if (v < 0) {
                throw new IllegalArgumentException("Invalid value '" + value + "' for " + name);
            }
        }
        int f = fd.enter();
        try {
            Native.setIntOption(f, option, v);
        } finally {
            fd.exit();
        }
    }

    /** Reads {@code name} of the socket, one of {@code supported}. */
    @SuppressWarnings("unchecked")
    static <T> T get(Descriptor fd, Set<SocketOption<?>> supported, SocketOption<T> name) throws IOException {
        int option = nativeOption(supported, name);
        int v;
        int f = fd.enter();
        try {
            v = Native.getIntOption(f, option);
        } finally {
            fd.exit();
        }
        return name.type() == Boolean.class ? (T) Boolean.valueOf(v != 0) : (T) Integer.valueOf(v);
    }

    private static int nativeOption(Set<SocketOption<?>> supported, SocketOption<?> name) {
        Integer option = supported.contains(name) ? NATIVE.get(name) : null;
        if (option == null) {
            throw new UnsupportedOperationException("'" + name + "' not supported by the epoll transport");
        }
        return option;
    }
}
