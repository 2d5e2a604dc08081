package io.edgeproxy.infrastructure.loop.internal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A socket's descriptor and who is using it. Every system call on the descriptor runs between
 * {@link #enter()} and {@link #exit()}; {@link #close()} marks it closed at once but releases the
 * number only when the last call in progress has returned. Linux hands out the lowest free number
 * to the next socket, so closing a descriptor another thread is still reading from would let that
 * read land on somebody else's connection: the count rules that out, as the JDK's channels do with
 * their locks.
 */
final class Descriptor {

    private static final int CLOSED = 1 << 30;
    private static final AtomicIntegerFieldUpdater<Descriptor> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Descriptor.class, "state");

    final int fd;
    /** A socket: a close while calls are in progress wakes them with a shutdown. */
    private final boolean socket;
    /** {@link #CLOSED} once closed, plus the number of calls in progress. */
    private volatile int state;

    /** A socket's descriptor. */
    Descriptor(int fd) {
        this(fd, true);
    }

    /** @param socket false for an epoll or event descriptor, which nothing blocks on but the selector's own thread */
    Descriptor(int fd, boolean socket) {
        this.fd = fd;
        this.socket = socket;
    }

    /** @return the descriptor for one system call; pair with {@link #exit()} */
    int enter() throws ClosedChannelException {
        for (;;) {
            int s = state;
            if ((s & CLOSED) != 0) {
                throw new ClosedChannelException();
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return fd;
            }
        }
    }

    /** As {@link #enter()}, but false instead of an exception once closed. */
    boolean tryEnter() {
        for (;;) {
            int s = state;
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return true;
            }
        }
    }

    void exit() {
        if (STATE.decrementAndGet(this) == CLOSED) {
            release();
        }
    }

    boolean isClosed() {
        return (state & CLOSED) != 0;
    }

    /**
     * Marks the descriptor closed; closes it now, or, while calls are in progress, wakes blocked ones
     * (a socket's, with a shutdown) and leaves the close to the last of them.
     */
    void close() throws IOException {
        // With calls in progress, this close counts itself as one more until its shutdown returned,
        // so the last of them cannot release the number under it.
        int before = STATE.getAndUpdate(this, s -> (s & CLOSED) != 0 ? s : s == 0 ? CLOSED : (s | CLOSED) + 1);
        if ((before & CLOSED) != 0) {
            return;
        }
        if (before == 0) {
            Native.close(fd);
            return;
        }
        try {
            if (socket) {
                Native.shutdown(fd, true, true);
            }
        } finally {
            exit();
        }
    }

    private void release() {
        try {
            Native.close(fd);
        } catch (IOException ignored) {
            // the close that counts already returned to its caller; nobody is left to tell
        }
    }
}
