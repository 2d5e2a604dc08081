package io.edgeproxy.infrastructure.loop.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;

/**
 * The epoll transport: TCP channels and a selector over Linux's epoll through a small JNI library
 * ({@code libedgeproxy-epoll.so}, built with the module), behind the JDK's own channel API, so the
 * engine runs unchanged on it or on the JDK's NIO.
 *
 * <p>What it saves per proxied connection against the JDK's NIO (OpenJDK 17 and 25 alike): the
 * client's socket comes from one {@code accept4} already non-blocking, where the JDK calls
 * {@code accept}, checks and sets the mode with three {@code fcntl} and asks for the local address
 * twice with {@code getsockname}; the backend's socket is created non-blocking (two {@code fcntl}
 * fewer) and its local address is only asked for when wanted (two {@code getsockname} fewer); a
 * connect the selector reported done is finished with one {@code getsockopt} (no {@code poll}). Its
 * objects are lighter too: no lock objects per channel (a use count guards the descriptor, and the
 * channel and its descriptor are the read and write locks), a local address read only when asked
 * for, and keys found by descriptor in an array instead of a hash map of boxed integers.
 *
 * <p>Only TCP: datagram channels and pipes are not provided. Channels of this provider register
 * only with its selectors, and the JDK's only with the JDK's.
 */
public final class EpollProvider extends SelectorProvider {

    private static volatile EpollProvider instance;

    private EpollProvider() {
    }

    /**
     * @return the provider, or null when the native library cannot be loaded here (see
     *         {@link #unavailableReason()})
     */
    public static EpollProvider instance() {
        EpollProvider p = instance;
        if (p == null && NativeLibrary.load()) {
            synchronized (EpollProvider.class) {
                p = instance;
                if (p == null) {
                    instance = p = new EpollProvider();
                }
            }
        }
        return p;
    }

    /** @return why {@link #instance()} is null, or null when it is not */
    public static String unavailableReason() {
        return NativeLibrary.load() ? null : NativeLibrary.unavailableReason();
    }

    /**
     * Connects {@code channel}, one of this provider's, to {@code address}, waiting up to
     * {@code timeoutMillis}, whatever its blocking mode (what {@code socket().connect(address,
     * timeout)} does for the JDK's channels).
     */
    public static void connect(SocketChannel channel, InetSocketAddress address, int timeoutMillis) throws IOException {
        ((EpollSocketChannel) channel).connect(address, timeoutMillis);
    }

    /** @return whether {@code channel}, one of this provider's, had its input or output shut down */
    public static boolean isShutdown(SocketChannel channel) {
        EpollSocketChannel ch = (EpollSocketChannel) channel;
        return ch.isInputShutdown() || ch.isOutputShutdown();
    }

    @Override
    public AbstractSelector openSelector() throws IOException {
        return new EpollSelector(this);
    }

    @Override
    public SocketChannel openSocketChannel() throws IOException {
        return openSocketChannel(dualStack() ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    }

    @Override
    public SocketChannel openSocketChannel(ProtocolFamily family) throws IOException {
        boolean ipv6 = isIpv6(family);
        return new EpollSocketChannel(this, Native.socket(ipv6), ipv6);
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException {
        return openServerSocketChannel(dualStack() ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    }

    /** Whether this host has IPv6: a socket of no given family is then dual-stack, as the JDK's. */
    private static boolean dualStack() {
        Boolean known = dualStack;
        if (known == null) {
            try {
                Native.close(Native.socket(true));
                known = true;
            } catch (IOException e) {
                known = false;
            }
            dualStack = known;
        }
        return known;
    }

    private static volatile Boolean dualStack;

    @Override
    public ServerSocketChannel openServerSocketChannel(ProtocolFamily family) throws IOException {
        boolean ipv6 = isIpv6(family);
        return new EpollServerSocketChannel(this, Native.socket(ipv6), ipv6);
    }

    /**
     * INET6 sockets are dual-stack (IPv4 peers appear as mapped addresses), as the JDK's; where the
     * host has no IPv6 they are refused as the JDK refuses them, with an
     * {@link UnsupportedOperationException} (the engine then tries a backend of the other family).
     */
    private static boolean isIpv6(ProtocolFamily family) {
        if (family == StandardProtocolFamily.INET) {
            return false;
        }
        if (family == StandardProtocolFamily.INET6) {
            if (!dualStack()) {
                throw new UnsupportedOperationException("IPv6 not available");
            }
            return true;
        }
        throw new UnsupportedOperationException("protocol family " + family + " is not supported by the epoll transport");
    }

    @Override
    public DatagramChannel openDatagramChannel() {
        throw new UnsupportedOperationException("the epoll transport is TCP only");
    }

    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) {
        throw new UnsupportedOperationException("the epoll transport is TCP only");
    }

    @Override
    public Pipe openPipe() {
        throw new UnsupportedOperationException("the epoll transport is TCP only");
    }
}
