package io.edgeproxy.infrastructure.loop.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;

/**
 * A TCP socket of the epoll transport: the {@link SocketChannel} API over one descriptor, each
 * operation one system call (see {@link EpollProvider} for what that saves against the JDK's).
 *
 * <p>Born non-blocking. Blocking mode clears {@code O_NONBLOCK}, so reads, writes and connects then
 * block in the kernel; a blocked call is not interruptible, but closing the channel from another
 * thread wakes it (a shutdown, then the close once it returned). There is no {@link #socket()}
 * adaptor.
 */
final class EpollSocketChannel extends SocketChannel {

    private static final int UNCONNECTED = 0;
    private static final int PENDING = 1;
    private static final int CONNECTED = 2;

    private final Descriptor fd;
    private final boolean ipv6;
    private volatile int state;
    private volatile boolean nativeBlocking;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    private InetSocketAddress remote;
    private InetSocketAddress local;
    /** The selector reported the pending connect done or failed: finishing it needs no poll. */
    boolean connectReady;

    /** A new unconnected socket (non-blocking). */
    EpollSocketChannel(EpollProvider provider, int fd, boolean ipv6) {
        super(provider);
        this.fd = new Descriptor(fd);
        this.ipv6 = ipv6;
    }

    /** An accepted socket, connected to {@code remote} (non-blocking). */
    EpollSocketChannel(EpollProvider provider, int fd, boolean ipv6, InetSocketAddress remote) {
        this(provider, fd, ipv6);
        this.remote = remote;
        this.state = CONNECTED;
    }

    Descriptor descriptor() {
        return fd;
    }

    // ------------------------------------------------------------------ connect

    @Override
    public boolean connect(SocketAddress address) throws IOException {
        InetSocketAddress isa = Addresses.check(address);
        InetAddress ia = isa.getAddress();
        if (!ipv6 && Addresses.isIpv6(ia)) {
            throw new java.nio.channels.UnsupportedAddressTypeException();
        }
        boolean failed = true;
        int f = fd.enter();
        try {
            synchronized (this) {
                if (state == CONNECTED) {
                    failed = false;
                    throw new AlreadyConnectedException();
                }
                if (state == PENDING) {
                    failed = false;
                    throw new ConnectionPendingException();
                }
                remote = isa;
                int r = Native.connect(f, ipv6, ia.getAddress(), isa.getPort());
                if (r == Native.IN_PROGRESS && nativeBlocking) {
                    r = Native.awaitConnect(f, -1);
                }
                state = r == Native.CONNECTED ? CONNECTED : PENDING;
                failed = false;
                return r == Native.CONNECTED;
            }
        } finally {
            fd.exit();
            if (failed) {
                closeAfterFailure(); // as the JDK's channel does: a failed connect closes it
            }
        }
    }

    /** Connect with a timeout, whatever the mode, for the connection pool's blocking API. */
    void connect(InetSocketAddress address, int timeoutMillis) throws IOException {
        boolean wasBlocking = isBlocking();
        if (wasBlocking) {
            configureBlocking(false);
        }
        if (!connect(address)) {
            boolean failed = true;
            int f = fd.enter();
            try {
                if (Native.awaitConnect(f, Math.max(1, timeoutMillis)) != Native.CONNECTED) {
                    throw new java.net.SocketTimeoutException("connect to " + address + " timed out after " + timeoutMillis + " ms");
                }
                state = CONNECTED;
                failed = false;
            } finally {
                fd.exit();
                if (failed) {
                    closeAfterFailure();
                }
            }
        }
        if (wasBlocking) {
            configureBlocking(true);
        }
    }

    @Override
    public boolean finishConnect() throws IOException {
        if (state == CONNECTED) {
            fd.enter(); // a closed channel throws, as the JDK's does
            fd.exit();
            return true;
        }
        if (state != PENDING) {
            throw new NoConnectionPendingException();
        }
        boolean failed = true;
        int f = fd.enter();
        try {
            boolean known = connectReady;
            connectReady = false;
            int r = nativeBlocking ? Native.awaitConnect(f, -1) : Native.finishConnect(f, known);
            failed = false;
            if (r == Native.CONNECTED) {
                state = CONNECTED;
                return true;
            }
            return false;
        } finally {
            fd.exit();
            if (failed) {
                closeAfterFailure();
            }
        }
    }

    private void closeAfterFailure() {
        try {
            close();
        } catch (IOException ignored) {
            // the connect's own error is the one to report
        }
    }

    @Override
    public boolean isConnected() {
        return state == CONNECTED;
    }

    @Override
    public boolean isConnectionPending() {
        return state == PENDING;
    }

    // ------------------------------------------------------------------ read, write

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
        int f = fd.enter();
        try {
            if (state != CONNECTED) {
                throw new NotYetConnectedException();
            }
            if (inputShutdown) {
                return -1;
            }
            int pos = dst.position();
            int len = dst.limit() - pos;
            if (len == 0) {
                return 0;
            }
            int n = dst.isDirect() ? Native.read(f, dst, pos, len)
                    : Native.readArray(f, dst.array(), dst.arrayOffset() + pos, len);
            if (n > 0) {
                dst.position(pos + n);
            }
            return n;
        } finally {
            fd.exit();
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer b = dsts[i];
            if (!b.hasRemaining()) {
                continue;
            }
            int want = b.remaining();
            int n = read(b);
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            total += n;
            if (n < want) {
                break;
            }
        }
        return total;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src, "src");
        int f = fd.enter();
        try {
            if (state != CONNECTED) {
                throw new NotYetConnectedException();
            }
            if (outputShutdown) {
                throw new ClosedChannelException();
            }
            int written = 0;
            do {
                int pos = src.position();
                int len = src.limit() - pos;
                if (len == 0) {
                    break;
                }
                int n = src.isDirect() ? Native.write(f, src, pos, len)
                        : src.hasArray() ? Native.writeArray(f, src.array(), src.arrayOffset() + pos, len)
                        : writeCopy(f, src, len);
                if (n <= 0) {
                    break;
                }
                src.position(pos + n);
                written += n;
            } while (nativeBlocking);
            return written;
        } finally {
            fd.exit();
        }
    }

    /** A read-only heap buffer: its bytes through a copy. */
    private static int writeCopy(int f, ByteBuffer src, int len) throws IOException {
        byte[] copy = new byte[Math.min(len, 16384)];
        src.duplicate().get(copy);
        return Native.writeArray(f, copy, 0, copy.length);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer b = srcs[i];
            if (!b.hasRemaining()) {
                continue;
            }
            int want = b.remaining();
            int n = write(b);
            total += n;
            if (n < want) {
                break;
            }
        }
        return total;
    }

    @Override
    public SocketChannel shutdownInput() throws IOException {
        int f = fd.enter();
        try {
            if (state != CONNECTED) {
                throw new NotYetConnectedException();
            }
            if (!inputShutdown) {
                Native.shutdown(f, true, false);
                inputShutdown = true;
            }
            return this;
        } finally {
            fd.exit();
        }
    }

    @Override
    public SocketChannel shutdownOutput() throws IOException {
        int f = fd.enter();
        try {
            if (state != CONNECTED) {
                throw new NotYetConnectedException();
            }
            if (!outputShutdown) {
                Native.shutdown(f, false, true);
                outputShutdown = true;
            }
            return this;
        } finally {
            fd.exit();
        }
    }

    /** @return whether {@link #shutdownInput()} was called (what {@code socket().isInputShutdown()} tells of a JDK channel) */
    boolean isInputShutdown() {
        return inputShutdown;
    }

    /** @return whether {@link #shutdownOutput()} was called */
    boolean isOutputShutdown() {
        return outputShutdown;
    }

    // ------------------------------------------------------------------ addresses, options

    @Override
    public SocketChannel bind(SocketAddress address) throws IOException {
        InetSocketAddress isa = address == null ? new InetSocketAddress(0) : Addresses.check(address);
        int f = fd.enter();
        try {
            Native.bind(f, ipv6, isa.getAddress().getAddress(), isa.getPort());
            local = null;
            return this;
        } finally {
            fd.exit();
        }
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        InetSocketAddress l = local;
        if (l != null) {
            return l;
        }
        int f = fd.enter();
        try {
            byte[] layout = new byte[Addresses.LAYOUT_BYTES];
            Native.localAddress(f, layout);
            l = Addresses.decode(layout);
            if (l.getPort() != 0) {
                local = l;
            }
            return l;
        } finally {
            fd.exit();
        }
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        fd.enter();
        fd.exit();
        return state == UNCONNECTED ? null : remote;
    }

    @Override
    public <T> SocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        int f = fd.enter();
        try {
            Options.set(f, name, value);
            return this;
        } finally {
            fd.exit();
        }
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        int f = fd.enter();
        try {
            return Options.get(f, name);
        } finally {
            fd.exit();
        }
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return Options.SOCKET;
    }

    /** The epoll transport has no {@link Socket} adaptor. */
    @Override
    public Socket socket() {
        throw new UnsupportedOperationException("an epoll transport channel has no java.net.Socket adaptor");
    }

    // ------------------------------------------------------------------ mode, close

    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
        if (block == nativeBlocking) {
            return;
        }
        int f = fd.enter();
        try {
            Native.setBlocking(f, block);
            nativeBlocking = block;
        } finally {
            fd.exit();
        }
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        fd.close(); // a registered socket leaves epoll with its last descriptor: the selector skips its EPOLL_CTL_DEL
    }

    @Override
    public String toString() {
        return "EpollSocketChannel[fd " + fd.fd + (isOpen() ? "" : ", closed") + ", " + remote + "]";
    }
}
