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

    static <T> void set(int fd, SocketOption<T> name, T value) throws IOException {
        Integer option = NATIVE.get(name);
        if (option == null) {
            throw new UnsupportedOperationException("'" + name + "' not supported by the epoll transport");
        }
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
        Native.setIntOption(fd, option, v);
    }

    @SuppressWarnings("unchecked")
    static <T> T get(int fd, SocketOption<T> name) throws IOException {
        Integer option = NATIVE.get(name);
        if (option == null) {
            throw new UnsupportedOperationException("'" + name + "' not supported by the epoll transport");
        }
        int v = Native.getIntOption(fd, option);
        return name.type() == Boolean.class ? (T) Boolean.valueOf(v != 0) : (T) Integer.valueOf(v);
    }
}
