package io.edgeproxy.infrastructure.loop.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The system calls of the epoll transport, one JNI method each ({@code src/main/c/epoll.c}). Every
 * descriptor is an {@code int} and every socket is non-blocking from birth. A failed call throws an
 * exception of the type the JDK's channels throw, whose message names the call and gives the
 * {@code errno} text ("read: Connection reset by peer"; for bind and connect the text alone, as the
 * JDK's: "Connection refused"): {@link java.net.SocketException} for socket calls,
 * {@link java.net.ConnectException} (refused, timed out), {@link java.net.NoRouteToHostException} (no route to the host)
 * and {@link java.net.BindException} (address in use or unavailable, permission denied) for bind
 * and connect, {@link IOException} for epoll, eventfd and poll. Nothing here keeps state: the
 * channels and the selector of {@link EpollProvider} do.
 *
 * <p>Addresses cross the boundary as the raw address bytes (4 for IPv4, 16 for IPv6) and a port.
 * Socket options are the constants below, not the JDK's option objects.
 *
 * <p>Only usable once {@link NativeLibrary#load()} has succeeded.
 */
final class Native {

    /** {@code EPOLLIN}, {@code EPOLLOUT}, {@code EPOLLERR}, {@code EPOLLHUP}, {@code EPOLLRDHUP}. */
    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int EPOLLRDHUP = 0x2000;

    /** {@code EPOLL_CTL_ADD}, {@code EPOLL_CTL_DEL}, {@code EPOLL_CTL_MOD}. */
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;

    /** Socket options for {@link #setIntOption} and {@link #getIntOption}. */
    static final int OPT_TCP_NODELAY = 1;
    static final int OPT_SO_REUSEADDR = 2;
    static final int OPT_SO_REUSEPORT = 3;
    static final int OPT_SO_KEEPALIVE = 4;
    static final int OPT_SO_RCVBUF = 5;
    static final int OPT_SO_SNDBUF = 6;
    /** SO_LINGER: the value is the linger time in seconds, or -1 for off. */
    static final int OPT_SO_LINGER = 7;

    /** {@code POLLIN}, {@code POLLOUT} for {@link #poll}. */
    static final int POLLIN = 0x001;
    static final int POLLOUT = 0x004;

    /** {@link #connect} and {@link #finishConnect} results. */
    static final int CONNECTED = 1;
    static final int IN_PROGRESS = 0;

    /** Read/write result when the socket has nothing to give or no room: {@code EAGAIN}. */
    static final int AGAIN = 0;
    /** Read result at end of stream. */
    static final int EOF = -1;

    private Native() {
    }

    // ------------------------------------------------------------------ epoll

    /** {@code epoll_create1(EPOLL_CLOEXEC)}. */
    static native int epollCreate() throws IOException;

    /** {@code epoll_ctl(epfd, op, fd, {events, data.u64 = data})}. */
    static native void epollCtl(int epfd, int op, int fd, int events, long data) throws IOException;

    /**
     * {@code epoll_wait(epfd, ..., out.length / 2, timeoutMillis)}, retried on {@code EINTR}.
     * Event i lands in {@code out[2i]} (its events) and {@code out[2i + 1]} (its {@code data.u64}).
     *
     * @param timeoutMillis -1 to wait for ever, 0 not to wait
     * @return the number of events
     */
    static native int epollWait(int epfd, long[] out, int timeoutMillis) throws IOException;

    /** {@code eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)}. */
    static native int eventFd() throws IOException;

    /** Adds 1 to an eventfd's counter (a wakeup); a full counter ({@code EAGAIN}) is fine. */
    static native void eventFdWrite(int fd) throws IOException;

    /** Resets an eventfd's counter; nothing to read ({@code EAGAIN}) is fine. */
    static native void eventFdDrain(int fd) throws IOException;

    // ------------------------------------------------------------------ sockets

    /** {@code socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)}. */
    static native int socket(boolean ipv6) throws IOException;

    /**
     * {@code connect} to {@code address} (4 or 16 bytes) and {@code port}; an IPv4 address on an
     * IPv6 socket is mapped ({@code ::ffff:a.b.c.d}).
     *
     * @return {@link #CONNECTED}, or {@link #IN_PROGRESS} ({@code EINPROGRESS}: wait for writable)
     * @throws java.net.ConnectException when refused or timed out ({@link java.net.NoRouteToHostException} without a route)
     */
    static native int connect(int fd, boolean ipv6, byte[] address, int port) throws IOException;

    /**
     * Finishes a non-blocking connect. When {@code knownReady} (the selector reported the socket
     * writable) it reads {@code SO_ERROR}; otherwise it first asks for the peer's address (a
     * connected socket has one: done in one call, as a loopback connect usually is at once), and
     * when there is none yet polls for writability without waiting before reading {@code SO_ERROR}.
     *
     * @return {@link #CONNECTED} or {@link #IN_PROGRESS}
     * @throws java.net.ConnectException with the pending error (refused, timed out; no route: {@link java.net.NoRouteToHostException})
     */
    static native int finishConnect(int fd, boolean knownReady) throws IOException;

    /**
     * Waits up to {@code timeoutMillis} for a pending connect, then finishes it.
     *
     * @return {@link #CONNECTED} or {@link #IN_PROGRESS} when the time ran out
     */
    static native int awaitConnect(int fd, int timeoutMillis) throws IOException;

    /**
     * {@code poll(fd, events, timeoutMillis)}, retried on {@code EINTR} with the time left: how a
     * channel in blocking mode waits, its descriptor staying non-blocking.
     *
     * @param timeoutMillis -1 to wait for ever
     * @return the returned events, 0 when the time ran out
     */
    static native int poll(int fd, int events, int timeoutMillis) throws IOException;

    /** {@code bind} then {@code listen(fd, backlog)}. */
    static native void bindListen(int fd, boolean ipv6, byte[] address, int port, int backlog) throws IOException;

    /** {@code bind} only (a client socket's local address). */
    static native void bind(int fd, boolean ipv6, byte[] address, int port) throws IOException;

    /**
     * {@code accept4(fd, ..., SOCK_NONBLOCK | SOCK_CLOEXEC)}, retried on {@code EINTR}. The peer's
     * address goes to {@code peer}: {@code peer[0]} = its length (4 or 16; IPv4-mapped IPv6 addresses
     * are given as 4), {@code peer[1..2]} = the port, big-endian, {@code peer[3..]} = the address.
     * {@code peer} must be at least 19 bytes.
     *
     * @return the new descriptor, or -1 when nothing is waiting ({@code EAGAIN})
     */
    static native int accept(int fd, byte[] peer) throws IOException;

    /** {@code getsockname}, in the layout of {@link #accept}'s {@code peer}. */
    static native void localAddress(int fd, byte[] out) throws IOException;

    /**
     * {@code read(fd, address of buf + pos, len)} on a direct buffer, retried on {@code EINTR}.
     *
     * @return the bytes read, {@link #AGAIN} ({@code EAGAIN}) or {@link #EOF}
     */
    static native int read(int fd, ByteBuffer directBuf, int pos, int len) throws IOException;

    /**
     * {@code pipe2(O_NONBLOCK | O_CLOEXEC)}, then {@code F_SETPIPE_SZ} to {@code size} bytes, or to
     * the largest of its halves down to {@code minimum} the kernel allows ({@link #pipeCapacity}
     * says what it granted).
     *
     * @return the read end in the high 32 bits, the write end in the low 32
     */
    static native long pipe(int size, int minimum) throws IOException;

    /** @return the bytes the pipe of {@code fd} holds at most: {@code fcntl(F_GETPIPE_SZ)} */
    static native int pipeCapacity(int fd) throws IOException;

    /**
     * {@code splice(in, out, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK)}: a socket into a pipe
     * ({@code fromSocket}) or a pipe into a socket.
     *
     * @return the bytes moved, {@link #AGAIN}, or {@link #EOF} when a socket source is at its end
     */
    static native int splice(int in, int out, int len, boolean fromSocket) throws IOException;

    /** As {@link #read} into {@code array[off .. off + len)}. */
    static native int readArray(int fd, byte[] array, int off, int len) throws IOException;

    /**
     * {@code write(fd, address of buf + pos, len)} on a direct buffer, retried on {@code EINTR}.
     *
     * @return the bytes written, or {@link #AGAIN} ({@code EAGAIN})
     */
    static native int write(int fd, ByteBuffer directBuf, int pos, int len) throws IOException;

    /** As {@link #write} from {@code array[off .. off + len)}. */
    static native int writeArray(int fd, byte[] array, int off, int len) throws IOException;

    /** {@code shutdown(fd, SHUT_RD / SHUT_WR / SHUT_RDWR)}; {@code ENOTCONN} is ignored. */
    static native void shutdown(int fd, boolean read, boolean write) throws IOException;

    /** {@code close(fd)}; {@code EINTR} is not retried (Linux has released the descriptor). */
    static native void close(int fd) throws IOException;

    /** {@code setsockopt} of one of the {@code OPT_} options. */
    static native void setIntOption(int fd, int option, int value) throws IOException;

    /** {@code getsockopt} of one of the {@code OPT_} options. */
    static native int getIntOption(int fd, int option) throws IOException;
}
