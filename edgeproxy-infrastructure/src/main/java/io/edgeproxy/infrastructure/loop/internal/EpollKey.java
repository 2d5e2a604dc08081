package io.edgeproxy.infrastructure.loop.internal;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectionKey;

/** A channel's registration with an {@link EpollSelector}. */
final class EpollKey extends AbstractSelectionKey {

    final EpollSelector selector;
    final SelectableChannel channel;
    final Descriptor fd;
    /** {@code data.u64} of its epoll events: a per-selector sequence number and the descriptor. */
    final long token;
    private volatile int interestOps;
    /** The epoll events the descriptor is registered for; 0 = not in the epoll set. Guarded by this. */
    int epollEvents;
    int readyOps;

    EpollKey(EpollSelector selector, SelectableChannel channel, Descriptor fd, long token) {
        this.selector = selector;
        this.channel = channel;
        this.fd = fd;
        this.token = token;
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    @Override
    public Selector selector() {
        return selector;
    }

    @Override
    public int interestOps() {
        ensureValid();
        return interestOps;
    }

    @Override
    public SelectionKey interestOps(int ops) {
        ensureValid();
        if ((ops & ~channel.validOps()) != 0) {
            throw new IllegalArgumentException("Invalid interest ops " + ops);
        }
        synchronized (this) {
            interestOps = ops;
        }
        selector.interestChanged(this);
        return this;
    }

    /** The interest without the validity check, for the selector. */
    int interest() {
        return interestOps;
    }

    @Override
    public int readyOps() {
        ensureValid();
        return readyOps;
    }

    private void ensureValid() {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
    }

    /** The epoll events that watch for {@code ops}. */
    static int epollEventsFor(int ops) {
        int events = 0;
        if ((ops & (OP_READ | OP_ACCEPT)) != 0) {
            events |= Native.EPOLLIN | Native.EPOLLRDHUP;
        }
        if ((ops & (OP_WRITE | OP_CONNECT)) != 0) {
            events |= Native.EPOLLOUT;
        }
        return events;
    }

    /**
     * The operations {@code events} make ready, among those of interest: an error or hang-up makes
     * all of them ready, so the next read, write or finishConnect meets it, as with the JDK.
     */
    int readyOpsFor(int events) {
        int ops = interestOps;
        boolean error = (events & (Native.EPOLLERR | Native.EPOLLHUP)) != 0;
        boolean pending = channel instanceof EpollSocketChannel && ((EpollSocketChannel) channel).isConnectionPending();
        if (pending && (ops & OP_CONNECT) != 0 && ((events & Native.EPOLLOUT) != 0 || error)) {
            ((EpollSocketChannel) channel).connectReady = true;
        }
        if (error) {
            return ops; // as the JDK: every operation of interest, to meet the error
        }
        int ready = 0;
        if ((events & (Native.EPOLLIN | Native.EPOLLRDHUP)) != 0) {
            ready |= ops & (OP_READ | OP_ACCEPT);
        }
        if ((events & Native.EPOLLOUT) != 0 && channel instanceof EpollSocketChannel) {
            ready |= ops & (pending ? OP_CONNECT : ((EpollSocketChannel) channel).isConnected() ? OP_WRITE : 0);
        }
        return ready;
    }
}
