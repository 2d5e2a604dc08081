package io.edgeproxy.infrastructure.loop.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * A kernel pipe that moves bytes from one epoll socket to another with {@code splice(2)}: the
 * pages go from the source's receive queue into the pipe and on into the destination's send queue
 * without being copied through the JVM (HAProxy's {@code option splice-auto}, and what Netty's
 * epoll transport offers as {@code spliceTo}).
 *
 * <p>Holds at most what one {@link #fill} moved until {@link #drain} has passed it all on: only an
 * empty pipe is filled, so it never holds more than its {@link #capacity()}. Two
 * descriptors while open. Not thread-safe: one event loop uses it.
 */
public final class SplicePipe implements Closeable {

    private final int readFd;
    private final int writeFd;
    /** Set once by {@link #open}, from what the kernel granted. */
    private int capacity;
    private int size;
    private boolean closed;

    private SplicePipe(int readFd, int writeFd) {
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    /** @return whether bytes can be spliced from {@code src} to {@code dst}: both are epoll sockets */
    public static boolean supports(SocketChannel src, SocketChannel dst) {
        return src instanceof EpollSocketChannel && dst instanceof EpollSocketChannel;
    }

    /**
     * A new pipe of {@code capacity} bytes, or of the largest of its halves the kernel allows
     * ({@code fs.pipe-max-size}, and {@code fs.pipe-user-pages-soft} for a user without
     * {@code CAP_SYS_RESOURCE}); {@link #capacity()} says which.
     *
     * @throws IOException no descriptors left, or the kernel granted fewer than {@code minimum} bytes
     */
    public static SplicePipe open(int capacity, int minimum) throws IOException {
        long fds = Native.pipe(capacity, minimum);
        SplicePipe pipe = new SplicePipe((int) (fds >>> 32), (int) fds);
        try {
            pipe.capacity = Native.pipeCapacity(pipe.writeFd);
        } catch (IOException e) {
            pipe.close();
            throw e;
        }
        if (pipe.capacity < minimum) {
            pipe.close();
            throw new IOException("pipe: " + pipe.capacity + " bytes granted, fewer than " + minimum);
        }
        return pipe;
    }

    /** @return the bytes this pipe holds at most, as the kernel granted them */
    public int capacity() {
        return capacity;
    }

    /**
     * Moves up to {@link #capacity()} bytes from {@code src} into this pipe, which must be empty.
     *
     * @return the bytes moved, 0 when the socket has none now, -1 at its end of stream
     */
    public int fill(SocketChannel src) throws IOException {
        if (size != 0) {
            throw new IllegalStateException("fill of a pipe still holding " + size + " bytes");
        }
        int n = ((EpollSocketChannel) src).spliceInto(writeFd, capacity);
        if (n > 0) {
            size = n;
        }
        return n;
    }

    /**
     * Moves what this pipe holds into {@code dst}, as much as it takes now.
     *
     * @return the bytes moved, 0 when the socket has no room
     */
    public int drain(SocketChannel dst) throws IOException {
        if (size == 0) {
            return 0;
        }
        int n = ((EpollSocketChannel) dst).spliceFrom(readFd, size);
        if (n > 0) {
            size -= n;
        }
        return n;
    }

    /** @return the bytes in the pipe: moved in, not yet passed on */
    public int size() {
        return size;
    }

    /** Closes both ends; bytes still in it are dropped. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                Native.close(readFd);
            } catch (IOException ignored) {
                // EBADF or EIO: the descriptor is released either way
            }
            try {
                Native.close(writeFd);
            } catch (IOException ignored) {
                // as above
            }
        }
    }
}
