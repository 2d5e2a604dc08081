package io.edgeproxy.infrastructure.loop.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;

/**
 * A listening TCP socket of the epoll transport. {@link #accept()} is one {@code accept4} that
 * returns the client's socket already non-blocking, with its peer address, where the JDK's accept
 * also sets the mode with {@code fcntl} and asks for the local address with {@code getsockname}.
 * As with {@link EpollSocketChannel}, the descriptor stays non-blocking and blocking mode polls.
 * There is no {@link #socket()} adaptor.
 */
final class EpollServerSocketChannel extends ServerSocketChannel {

    private final Descriptor fd;
    private final boolean ipv6;
    private volatile InetSocketAddress local;

    EpollServerSocketChannel(SelectorProvider provider, int fd, boolean ipv6) {
        super(provider);
        this.fd = new Descriptor(fd);
        this.ipv6 = ipv6;
    }

    Descriptor descriptor() {
        return fd;
    }

    @Override
    public ServerSocketChannel bind(SocketAddress address, int backlog) throws IOException {
        InetSocketAddress isa = address == null ? Addresses.wildcard(ipv6, 0) : Addresses.check(address);
        if (!ipv6 && Addresses.isIpv6(isa.getAddress())) {
            throw new java.nio.channels.UnsupportedAddressTypeException();
        }
        int f = fd.enter();
        try {
            synchronized (this) {
                if (local != null) {
                    throw new java.nio.channels.AlreadyBoundException();
                }
                Native.bindListen(f, ipv6, isa.getAddress().getAddress(), isa.getPort(), backlog < 1 ? 50 : backlog);
                byte[] layout = new byte[Addresses.LAYOUT_BYTES];
                Native.localAddress(f, layout);
                local = Addresses.decode(layout);
            }
            return this;
        } finally {
            fd.exit();
        }
    }

    @Override
    public SocketChannel accept() throws IOException {
        synchronized (this) {
            boolean blocking = isBlocking();
            boolean completed = false;
            int client = -1;
            byte[] peer = new byte[Addresses.LAYOUT_BYTES];
            int f = fd.enter();
            try {
                if (blocking) {
                    begin();
                    if (fd.isClosed()) {
                        return null; // an interrupt already pending closed it: end() throws
                    }
                }
                if (local == null) {
                    throw new NotYetBoundException();
                }
                for (;;) {
                    client = Native.accept(f, peer);
                    if (client >= 0 || !blocking || fd.isClosed()) {
                        break;
                    }
                    Native.poll(f, Native.POLLIN, -1);
                }
                completed = client >= 0 || !blocking;
            } finally {
                fd.exit();
                if (blocking) {
                    try {
                        end(completed);
                    } catch (IOException e) {
                        closeQuietly(client);
                        throw e;
                    }
                }
            }
            if (client < 0) {
                return null;
            }
            try {
                return new EpollSocketChannel(provider(), client, ipv6, Addresses.decode(peer));
            } catch (RuntimeException | Error e) {
                closeQuietly(client);
                throw e;
            }
        }
    }

    private static void closeQuietly(int client) {
        if (client >= 0) {
            try {
                Native.close(client);
            } catch (IOException ignored) {
                // the accept's own outcome is what the caller hears
            }
        }
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        fd.enter();
        fd.exit();
        return local;
    }

    @Override
    public <T> ServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        Options.set(fd, Options.SERVER, name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return Options.get(fd, Options.SERVER, name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return Options.SERVER;
    }

    /** The epoll transport has no {@link ServerSocket} adaptor. */
    @Override
    public ServerSocket socket() {
        throw new UnsupportedOperationException("an epoll transport channel has no java.net.ServerSocket adaptor");
    }

    /** Nothing to tell the kernel: the descriptor stays non-blocking, and a blocking accept polls. */
    @Override
    protected void implConfigureBlocking(boolean block) {
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        fd.close();
    }

    @Override
    public String toString() {
        return "EpollServerSocketChannel[fd " + fd.fd + (isOpen() ? "" : ", closed") + ", " + local + "]";
    }
}
