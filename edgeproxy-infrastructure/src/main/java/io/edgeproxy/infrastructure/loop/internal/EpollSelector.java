package io.edgeproxy.infrastructure.loop.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The selector of the epoll transport: one epoll set, level-triggered as the JDK's, plus an eventfd
 * for {@link #wakeup()}.
 *
 * <p>Keys are found by descriptor in an array (the JDK boxes the descriptor into a hash map). Each
 * registration's epoll data carries a sequence number besides the descriptor, so an event that
 * was already on its way for a socket closed meanwhile never reaches a new socket that got the same
 * number. A channel closed while registered leaves the epoll set with its last reference (at once,
 * unless a forked child still holds a copy until its {@code exec}, when the sequence number keeps
 * its events out); its key is then dropped at the next select without an {@code EPOLL_CTL_DEL}.
 *
 * <p>Selects are serialised, as the JDK's; {@link #wakeup()}, {@link #close()},
 * {@link SelectionKey#interestOps(int)}, registering and closing channels are safe from any thread
 * (the event loops do all of it on their own thread). The selector's own epoll and event
 * descriptors are guarded as a channel's are, so a wakeup or a close racing a select never touches
 * a descriptor number that was given to somebody else. The {@link #keys()} set is a snapshot.
 */
final class EpollSelector extends AbstractSelector {

    private static final int MAX_EVENTS = 512;
    private static final long WAKEUP_TOKEN = -1L;

    private final Descriptor epfd;
    private final Descriptor wakeFd;
    /** Held for a whole select, and by {@link #implCloseSelector()} before it releases the descriptors. */
    private final Object selectLock = new Object();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final long[] events = new long[2 * MAX_EVENTS];
    private final EpollKey[] batch = new EpollKey[MAX_EVENTS];
    private final Set<SelectionKey> selected = new HashSet<>();
    private final Set<SelectionKey> selectedView = new RemoveOnlySet(selected);
    /** Keys by descriptor. Guarded by this. */
    private EpollKey[] byFd = new EpollKey[256];
    private int sequence;

    EpollSelector(SelectorProvider provider) throws IOException {
        super(provider);
        int ep = Native.epollCreate();
        int wake = -1;
        try {
            wake = Native.eventFd();
            Native.epollCtl(ep, Native.EPOLL_CTL_ADD, wake, Native.EPOLLIN, WAKEUP_TOKEN);
        } catch (IOException | RuntimeException e) {
            if (wake >= 0) {
                Native.close(wake);
            }
            Native.close(ep);
            throw e;
        }
        this.epfd = new Descriptor(ep, false);
        this.wakeFd = new Descriptor(wake, false);
    }

    // ------------------------------------------------------------------ registration

    @Override
    protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object attachment) {
        Descriptor fd;
        if (ch instanceof EpollSocketChannel) {
            fd = ((EpollSocketChannel) ch).descriptor();
        } else if (ch instanceof EpollServerSocketChannel) {
            fd = ((EpollServerSocketChannel) ch).descriptor();
        } else {
            throw new IllegalSelectorException();
        }
        EpollKey key;
        synchronized (this) {
            if (!isOpen()) {
                throw new ClosedSelectorException();
            }
            int n = fd.fd;
            if (n >= byFd.length) {
                byFd = Arrays.copyOf(byFd, Math.max(n + 1, byFd.length * 2));
            }
            key = new EpollKey(this, ch, fd, ((long) ++sequence << 32) | n);
            byFd[n] = key; // a cancelled key of a closed socket may still sit here: this one is current
        }
        key.attach(attachment);
        try {
            key.interestOps(ops);
        } catch (RuntimeException e) {
            synchronized (this) { // the channel never learns of this key: nor may the table keep it
                if (byFd[key.fd.fd] == key) {
                    byFd[key.fd.fd] = null;
                }
            }
            throw e;
        }
        return key;
    }

    /**
     * Brings the epoll set in line with a key's interest: add, modify or remove. Under the key's
     * lock, from the interest it holds then, so two threads setting it leave the set as the last.
     */
    void interestChanged(EpollKey key) {
        synchronized (key) {
            int wanted = EpollKey.epollEventsFor(key.interest());
            if (wanted == key.epollEvents || !key.isValid() || !key.fd.tryEnter()) {
                return; // nothing changes, or the socket is closed: it left the epoll set with its descriptor
            }
            try {
                if (!epfd.tryEnter()) {
                    return; // the selector closed: its keys are gone
                }
                try {
                    // As the JDK: no interest means out of the set, or a hang-up would be reported for ever.
                    int op = wanted == 0 ? Native.EPOLL_CTL_DEL
                            : key.epollEvents == 0 ? Native.EPOLL_CTL_ADD : Native.EPOLL_CTL_MOD;
                    Native.epollCtl(epfd.fd, op, key.fd.fd, wanted, key.token);
                    key.epollEvents = wanted;
                } finally {
                    epfd.exit();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                key.fd.exit();
            }
        }
    }

    /** Drops the keys cancelled since the last select: out of the epoll set (if still open) and the table. */
    private void processCancelled() {
        Set<SelectionKey> cancelled = cancelledKeys();
        synchronized (cancelled) {
            if (cancelled.isEmpty()) {
                return;
            }
            for (SelectionKey k : cancelled) {
                EpollKey key = (EpollKey) k;
                synchronized (key) {
                    if (key.epollEvents != 0 && key.fd.tryEnter()) {
                        try {
                            if (epfd.tryEnter()) {
                                try {
                                    Native.epollCtl(epfd.fd, Native.EPOLL_CTL_DEL, key.fd.fd, 0, 0);
                                } finally {
                                    epfd.exit();
                                }
                            }
                        } catch (IOException ignored) {
                            // gone from the set already
                        } finally {
                            key.fd.exit();
                        }
                    }
                    key.epollEvents = 0;
                }
                synchronized (this) {
                    int n = key.fd.fd;
                    if (n < byFd.length && byFd[n] == key) {
                        byFd[n] = null;
                    }
                }
                selected.remove(key);
                deregister(key);
            }
            cancelled.clear();
        }
    }

    @Override
    public Set<SelectionKey> keys() {
        if (!isOpen()) {
            throw new ClosedSelectorException();
        }
        Set<SelectionKey> keys = new HashSet<>();
        synchronized (this) {
            for (EpollKey k : byFd) {
                if (k != null) {
                    keys.add(k);
                }
            }
        }
        return Collections.unmodifiableSet(keys);
    }

    @Override
    public Set<SelectionKey> selectedKeys() {
        if (!isOpen()) {
            throw new ClosedSelectorException();
        }
        return selectedView;
    }

    // ------------------------------------------------------------------ select

    @Override
    public int selectNow() throws IOException {
        return doSelect(null, 0);
    }

    @Override
    public int select(long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("Negative timeout");
        }
        return doSelect(null, timeout == 0 ? -1 : toMillis(timeout));
    }

    @Override
    public int select() throws IOException {
        return doSelect(null, -1);
    }

    @Override
    public int select(Consumer<SelectionKey> action, long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("Negative timeout");
        }
        return doSelect(java.util.Objects.requireNonNull(action), timeout == 0 ? -1 : toMillis(timeout));
    }

    @Override
    public int select(Consumer<SelectionKey> action) throws IOException {
        return doSelect(java.util.Objects.requireNonNull(action), -1);
    }

    @Override
    public int selectNow(Consumer<SelectionKey> action) throws IOException {
        return doSelect(java.util.Objects.requireNonNull(action), 0);
    }

    private static int toMillis(long timeout) {
        return (int) Math.min(Integer.MAX_VALUE, timeout);
    }

    /**
     * One epoll_wait. With an action, each ready key is handed to it with its ready set replaced;
     * without, ready keys join the selected-key set as {@link Selector#select()} specifies.
     */
    private int doSelect(Consumer<SelectionKey> action, int timeoutMillis) throws IOException {
        synchronized (selectLock) {
            if (!isOpen()) {
                throw new ClosedSelectorException();
            }
            processCancelled();
            int n;
            boolean blocking = timeoutMillis != 0;
            if (blocking) {
                begin(); // an interrupt wakes the select, as the JDK's
            }
            try {
                // open while this lock is held: a close waits for it before releasing the descriptors
                n = Native.epollWait(epfd.fd, events, blocking && wakeupPending.get() ? 0 : timeoutMillis);
            } finally {
                if (blocking) {
                    end();
                }
            }
            processCancelled();
            boolean woken = false;
            synchronized (this) {
                for (int i = 0; i < n; i++) {
                    long data = events[2 * i + 1];
                    if (data == WAKEUP_TOKEN) {
                        batch[i] = null;
                        woken = true;
                        continue;
                    }
                    batch[i] = keyFor(data);
                }
            }
            // Either sign of a wakeup empties the eventfd: a wakeup that raced the drain leaves it
            // readable, and the next select returns at once and drains it then.
            if (wakeupPending.getAndSet(false) | woken) {
                Native.eventFdDrain(wakeFd.fd);
            }
            int found = 0;
            try {
                for (int i = 0; i < n; i++) {
                    EpollKey key = batch[i];
                    if (key == null) {
                        continue;
                    }
                    batch[i] = null;
                    if (!key.isValid()) {
                        continue;
                    }
                    int ready = key.readyOpsFor((int) events[2 * i]);
                    if (ready == 0) {
                        continue;
                    }
                    if (action != null) {
                        key.readyOps = ready;
                        found++;
                        action.accept(key);
                    } else if (selected.add(key)) {
                        key.readyOps = ready;
                        found++;
                    } else if ((key.readyOps | ready) != key.readyOps) {
                        key.readyOps |= ready;
                        found++;
                    }
                }
            } finally {
                java.util.Arrays.fill(batch, 0, n, null); // an action that threw leaves no key behind
            }
            return found;
        }
    }

    /**
     * The key an event's data names: the one registered now under its descriptor, if its sequence
     * number matches; null for an event of a socket closed since (its number may be somebody
     * else's now). Guarded by this.
     */
    EpollKey keyFor(long data) {
        int fd = (int) data;
        EpollKey key = fd >= 0 && fd < byFd.length ? byFd[fd] : null;
        return key != null && key.token == data ? key : null;
    }

    @Override
    public Selector wakeup() {
        if (wakeupPending.compareAndSet(false, true) && wakeFd.tryEnter()) {
            try {
                Native.eventFdWrite(wakeFd.fd);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                wakeFd.exit();
            }
        }
        return this;
    }

    @Override
    protected void implCloseSelector() throws IOException {
        wakeupPending.set(false);
        wakeup(); // a select in progress returns, and sees the selector closed the next time
        synchronized (selectLock) {
            closeLocked();
        }
    }

    private void closeLocked() throws IOException {
        processCancelled();
        java.util.List<EpollKey> keys = new java.util.ArrayList<>();
        synchronized (this) {
            for (int i = 0; i < byFd.length; i++) {
                if (byFd[i] != null) {
                    keys.add(byFd[i]);
                    byFd[i] = null;
                }
            }
        }
        // Outside this selector's lock: deregistering takes the channel's, which a channel holds
        // while it registers (and then takes this selector's).
        for (EpollKey key : keys) {
            deregister(key); // the channels stay open, as with the JDK's selectors
        }
        selected.clear();
        try {
            wakeFd.close();
        } finally {
            epfd.close();
        }
    }

    /** The selected-key set as the JDK hands it out: keys may be removed, never added. */
    private static final class RemoveOnlySet extends java.util.AbstractSet<SelectionKey> {
        private final Set<SelectionKey> set;

        RemoveOnlySet(Set<SelectionKey> set) {
            this.set = set;
        }

        @Override
        public java.util.Iterator<SelectionKey> iterator() {
            return set.iterator();
        }

        @Override
        public int size() {
            return set.size();
        }

        @Override
        public boolean contains(Object o) {
            return set.contains(o);
        }

        @Override
        public boolean remove(Object o) {
            return set.remove(o);
        }

        @Override
        public void clear() {
            set.clear();
        }
    }
}
