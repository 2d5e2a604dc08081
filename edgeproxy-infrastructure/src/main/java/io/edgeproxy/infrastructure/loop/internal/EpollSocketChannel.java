package io.edgeproxy.infrastructure.loop.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;
import java.util.Set;

/**
 * A TCP socket of the epoll transport: the {@link SocketChannel} API over one descriptor, each
 * operation one system call (see {@link EpollProvider} for what that saves against the JDK's).
 *
 * <p>The descriptor is non-blocking from birth and stays so; blocking mode, the channel's mode when
 * new as the API specifies, waits in {@code poll} between attempts, as the JDK's own socket
 * implementation does. A blocked call is interruptible ({@link java.nio.channels.ClosedByInterruptException})
 * and a close from another thread ends it with {@link java.nio.channels.AsynchronousCloseException}.
 * One reader and one writer at a time, as with the JDK's channels. There is no {@link #socket()}
 * adaptor.
 */
final class EpollSocketChannel extends SocketChannel {

    private static final int UNCONNECTED = 0;
    private static final int PENDING = 1;
    private static final int CONNECTED = 2;

    private final Descriptor fd;
    private final boolean ipv6;
    private volatile int state;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    private InetSocketAddress remote;
    private InetSocketAddress local;
    /** The selector reported the pending connect done or failed: finishing it needs no poll. */
    boolean connectReady;

    /** A new unconnected socket (in blocking mode, as a new channel is; its descriptor non-blocking). */
    EpollSocketChannel(SelectorProvider provider, int fd, boolean ipv6) {
        super(provider);
        this.fd = new Descriptor(fd);
        this.ipv6 = ipv6;
    }

    /** An accepted socket, connected to {@code remote}. */
    EpollSocketChannel(SelectorProvider provider, int fd, boolean ipv6, InetSocketAddress remote) {
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
        synchronized (this) {
            boolean blocking = isBlocking();
            boolean failed = true;
            boolean completed = false;
            int f = fd.enter();
            try {
                if (blocking) {
                    begin();
                    if (fd.isClosed()) { // an interrupt already pending closed it: no connect
                        failed = false;
                        return false;
                    }
                }
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
                if (r == Native.IN_PROGRESS && blocking) {
                    r = Native.awaitConnect(f, -1);
                }
                state = r == Native.CONNECTED ? CONNECTED : PENDING;
                failed = false;
                completed = r == Native.CONNECTED || !blocking;
                return r == Native.CONNECTED;
            } finally {
                fd.exit();
                if (failed) {
                    closeAfterFailure(); // as the JDK's channel does: a failed connect closes it
                }
                if (blocking) {
                    end(completed && !fd.isClosed());
                }
            }
        }
    }

    /**
     * Connects, waiting up to {@code timeoutMillis}, whatever the mode: for the connection pool's
     * blocking API, as {@code socket().connect(address, timeout)} does for the JDK's channels.
     *
     * @throws java.net.SocketTimeoutException when the time runs out (the channel is then closed)
     */
    void connect(InetSocketAddress address, int timeoutMillis) throws IOException {
        synchronized (this) {
            if (state != UNCONNECTED) {
                throw state == CONNECTED ? new AlreadyConnectedException() : new ConnectionPendingException();
            }
            InetAddress ia = Addresses.check(address).getAddress();
            if (!ipv6 && Addresses.isIpv6(ia)) {
                throw new java.nio.channels.UnsupportedAddressTypeException();
            }
            boolean failed = true;
            boolean completed = false;
            int f = fd.enter();
            try {
                begin();
                if (fd.isClosed()) { // an interrupt already pending closed it: no connect
                    failed = false;
                    return;
                }
                remote = address;
                int r = Native.connect(f, ipv6, ia.getAddress(), address.getPort());
                if (r == Native.IN_PROGRESS) {
                    r = Native.awaitConnect(f, Math.max(1, timeoutMillis));
                }
                if (fd.isClosed()) {
                    failed = false;
                    return; // closed under the wait: end() says how
                }
                if (r != Native.CONNECTED) {
                    throw new java.net.SocketTimeoutException("connect timed out after " + timeoutMillis + " ms");
                }
                state = CONNECTED;
                failed = false;
                completed = true;
            } finally {
                fd.exit();
                if (failed) {
                    closeAfterFailure();
                }
                end(completed && !fd.isClosed());
            }
        }
    }

    @Override
    public boolean finishConnect() throws IOException {
        if (state == CONNECTED) {
            fd.enter(); // a closed channel throws, as the JDK's does
            fd.exit();
            return true;
        }
        synchronized (this) {
            if (state == CONNECTED) {
                return true;
            }
            if (state != PENDING) {
                throw new NoConnectionPendingException();
            }
            boolean blocking = isBlocking();
            boolean failed = true;
            boolean completed = false;
            int f = fd.enter();
            try {
                if (blocking) {
                    begin();
                    if (fd.isClosed()) {
                        failed = false;
                        return false;
                    }
                }
                boolean known = connectReady;
                connectReady = false;
                int r = blocking ? Native.awaitConnect(f, -1) : Native.finishConnect(f, known);
                failed = false;
                completed = true;
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
                if (blocking) {
                    end(completed && !fd.isClosed());
                }
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
        return state == CONNECTED && isOpen();
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
        synchronized (fd) { // the read lock: one reader at a time
            boolean blocking = isBlocking();
            boolean completed = false;
            int n = 0;
            int f = fd.enter();
            try {
                if (blocking) {
                    begin();
                    if (fd.isClosed()) {
                        return 0; // an interrupt already pending closed it: end() throws
                    }
                }
                if (state != CONNECTED) {
                    throw new NotYetConnectedException();
                }
                int pos = dst.position();
                int len = dst.limit() - pos;
                if (inputShutdown || len == 0) {
                    completed = true;
                    return inputShutdown ? -1 : 0;
                }
                for (;;) {
                    n = dst.isDirect() ? Native.read(f, dst, pos, len)
                            : Native.readArray(f, dst.array(), dst.arrayOffset() + pos, len);
                    if (n > 0 || !blocking) {
                        break;
                    }
                    if (fd.isClosed()) {
                        n = 0; // closed under this read: the end of stream it saw was the close's
                        break;
                    }
                    if (n == Native.EOF) {
                        break;
                    }
                    Native.poll(f, Native.POLLIN, -1);
                }
                if (n > 0) {
                    dst.position(pos + n);
                }
                completed = n != 0 || !blocking;
                return n;
            } finally {
                fd.exit();
                if (blocking) {
                    end(completed);
                }
            }
        }
    }

    /**
     * Fills the buffers in turn. Only the first read may wait (in blocking mode): once bytes came,
     * the rest is what is already there, as one {@code readv} would give.
     */
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
            int n;
            try {
                n = total == 0 ? read(b) : readAvailable(b);
            } catch (IOException e) {
                if (total > 0) {
                    return total; // what was read is delivered; the error comes again on the next read
                }
                throw e;
            }
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

    /** One read that never waits, whatever the mode. */
    private int readAvailable(ByteBuffer dst) throws IOException {
        synchronized (fd) {
            int f = fd.enter();
            try {
                int pos = dst.position();
                int len = dst.limit() - pos;
                int n = dst.isDirect() ? Native.read(f, dst, pos, len)
                        : Native.readArray(f, dst.array(), dst.arrayOffset() + pos, len);
                if (n > 0) {
                    dst.position(pos + n);
                }
                return n == Native.EOF ? 0 : n; // an end of stream shows on the next read
            } finally {
                fd.exit();
            }
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src, "src");
        synchronized (this) { // the write lock: one writer at a time, as connect
            boolean blocking = isBlocking();
            boolean completed = false;
            int f = fd.enter();
            try {
                if (blocking) {
                    begin();
                    if (fd.isClosed()) {
                        return 0; // an interrupt already pending closed it: end() throws
                    }
                }
                if (state != CONNECTED) {
                    throw new NotYetConnectedException();
                }
                if (outputShutdown) {
                    throw new ClosedChannelException();
                }
                int written = 0;
                while (src.hasRemaining()) {
                    int pos = src.position();
                    int len = src.limit() - pos;
                    int n = src.isDirect() ? Native.write(f, src, pos, len)
                            : src.hasArray() ? Native.writeArray(f, src.array(), src.arrayOffset() + pos, len)
                            : writeCopy(f, src, len);
                    if (n > 0) {
                        src.position(pos + n);
                        written += n;
                        if (!blocking) {
                            break; // as the JDK's: one write; a short count tells the caller to wait for room
                        }
                        continue;
                    }
                    if (!blocking || fd.isClosed()) {
                        break;
                    }
                    Native.poll(f, Native.POLLOUT, -1);
                }
                completed = !blocking || !src.hasRemaining();
                return written;
            } finally {
                fd.exit();
                if (blocking) {
                    end(completed);
                }
            }
        }
    }

    /**
     * Moves up to {@code len} bytes from this socket into a pipe's write end without copying them
     * (for {@link SplicePipe}); a read, under the read lock. Non-blocking mode only.
     *
     * @return the bytes moved, 0 when the socket has none or the pipe no room, -1 at end of stream
     */
    int spliceInto(int pipeWriteFd, int len) throws IOException {
        synchronized (fd) {
            if (isBlocking()) {
                throw new java.nio.channels.IllegalBlockingModeException();
            }
            int f = fd.enter();
            try {
                if (state != CONNECTED) {
                    throw new NotYetConnectedException();
                }
                if (inputShutdown) {
                    return -1;
                }
                return Native.splice(f, pipeWriteFd, len, true);
            } finally {
                fd.exit();
            }
        }
    }

    /**
     * Moves up to {@code len} bytes from a pipe's read end into this socket without copying them
     * (for {@link SplicePipe}); a write, under the write lock. Non-blocking mode only.
     *
     * @return the bytes moved, 0 when the socket has no room
     */
    int spliceFrom(int pipeReadFd, int len) throws IOException {
        synchronized (this) {
            if (isBlocking()) {
                throw new java.nio.channels.IllegalBlockingModeException();
            }
            int f = fd.enter();
            try {
                if (state != CONNECTED) {
                    throw new NotYetConnectedException();
                }
                if (outputShutdown) {
                    throw new ClosedChannelException();
                }
                return Native.splice(pipeReadFd, f, len, false);
            } finally {
                fd.exit();
            }
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
        return shutdown(true);
    }

    @Override
    public SocketChannel shutdownOutput() throws IOException {
        return shutdown(false);
    }

    private SocketChannel shutdown(boolean input) throws IOException {
        int f = fd.enter();
        try {
            if (state != CONNECTED) {
                throw new NotYetConnectedException();
            }
            if (input ? !inputShutdown : !outputShutdown) {
                Native.shutdown(f, input, !input);
                if (input) {
                    inputShutdown = true;
                } else {
                    outputShutdown = true;
                }
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
        InetSocketAddress isa = address == null ? Addresses.wildcard(ipv6, 0) : Addresses.check(address);
        if (!ipv6 && Addresses.isIpv6(isa.getAddress())) {
            throw new java.nio.channels.UnsupportedAddressTypeException();
        }
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
            if (l.getPort() != 0 && !l.getAddress().isAnyLocalAddress()) {
                local = l; // final once bound to a port and an address (a connect picks the address)
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
        Options.set(fd, Options.SOCKET, name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return Options.get(fd, Options.SOCKET, name);
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

    /** Nothing to tell the kernel: the descriptor stays non-blocking, and blocking calls poll. */
    @Override
    protected void implConfigureBlocking(boolean block) {
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
