package io.edgeproxy.infrastructure.pool.internal;

import io.edgeproxy.domain.Ticker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The connections of one backend.
 *
 * <h2>How it works</h2>
 * <p>{@code total} counts every connection the pool answers for: idle, in use, and connecting. A new
 * connection first reserves a slot with a CAS that never lets {@code total} pass the limit, so the
 * limit holds under any concurrency. Idle connections sit in a lock-free deque, most recently used
 * first (so the rest age out). Taking one is a {@code pollFirst}: whoever wins the poll owns it.
 * Removing an arbitrary idle connection (eviction) uses {@code removeFirstOccurrence}, which also
 * wins or loses atomically against a concurrent poll, so a connection is never owned twice.
 *
 * <p>A taken connection is validated before it is handed out: expired (idle or lifetime), pointing
 * at an old address, closed by the backend (a non-blocking 1-byte read returns -1), or with bytes
 * nobody asked for (the read returns more than 0): it is closed and the next one tried.
 *
 * <p>Only {@code acquire} callers ever wait, on a lock and condition; everybody else is lock-free and
 * only signals when a waiter is registered ({@code tryLock}, so a non-blocking caller never waits
 * either; waiters re-check every few milliseconds in any case).
 */
public final class BackendPool {

    private static final long WAITER_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final String id;
    private final int max;
    private final long idleTimeoutNanos;
    private final long maxLifetimeNanos;
    private final Ticker ticker;
    private volatile InetSocketAddress address;

    private final ConcurrentLinkedDeque<Conn> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicInteger connecting = new AtomicInteger();
    private final LongAdder created = new LongAdder();
    private final LongAdder evicted = new LongAdder();
    private final LongAdder warmTaken = new LongAdder();

    private volatile long warmRetryAfter = Long.MIN_VALUE;
    private volatile boolean warmFailing;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile int waiters;

    public BackendPool(String id, InetSocketAddress address, int max, long idleTimeoutNanos, long maxLifetimeNanos,
                       Ticker ticker) {
        this.id = id;
        this.address = address;
        this.max = max;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.maxLifetimeNanos = maxLifetimeNanos;
        this.ticker = ticker;
    }

    /** An open connection and its timestamps (on the pool's ticker). */
    public static final class Conn {
        public final SocketChannel channel;
        public final InetSocketAddress address;
        public final long createdAt;
        long idleSince;

        public Conn(SocketChannel channel, InetSocketAddress address, long createdAt) {
            this.channel = channel;
            this.address = address;
            this.createdAt = createdAt;
            this.idleSince = createdAt;
        }
    }

    public String id() {
        return id;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** Points new connections at {@code newAddress}; idle ones to the old address are dropped when met. */
    public void address(InetSocketAddress newAddress) {
        this.address = newAddress;
    }

    public long now() {
        return ticker.nanoTime();
    }

    /** Reserves a slot for a new connection. @return false at the limit */
    public boolean reserve() {
        for (;;) {
            int t = total.get();
            if (t >= max) {
                return false;
            }
            if (total.compareAndSet(t, t + 1)) {
                return true;
            }
        }
    }

    /** Gives back a slot reserved by {@link #reserve()} whose connect failed or whose connection closed. */
    public void unreserve() {
        total.decrementAndGet();
        signalWaiters();
    }

    public void connectStarted() {
        connecting.incrementAndGet();
    }

    public void connectEnded() {
        connecting.decrementAndGet();
    }

    /** Records a new connection that holds a reserved slot. */
    public Conn created(SocketChannel channel, InetSocketAddress to) {
        created.increment();
        return new Conn(channel, to, now());
    }

    /**
     * Takes a validated idle connection, closing every unusable one met on the way.
     *
     * @return a connection still holding its slot, in non-blocking mode, or null when none is idle
     */
    public Conn takeIdle() {
        for (;;) {
            Conn c = idle.pollFirst();
            if (c == null) {
                return null;
            }
            idleCount.decrementAndGet();
            if (isUsable(c, now()) && readsNothing(c.channel)) {
                return c;
            }
            destroy(c);
        }
    }

    /** Puts a connection (holding its slot) back, unless it is unusable. */
    public void giveBack(Conn c) {
        long now = now();
        if (isExpired(c.createdAt, maxLifetimeNanos, now) || !c.address.equals(address) || !readsNothing(c.channel)) {
            destroy(c);
            return;
        }
        c.idleSince = now;
        idle.offerFirst(c);
        idleCount.incrementAndGet();
        signalWaiters();
    }

    /** Adds a fresh connection (holding its slot) to the idle ones. */
    public void addIdle(Conn c) {
        idle.offerFirst(c);
        idleCount.incrementAndGet();
        signalWaiters();
    }

    /** A taken connection leaves the pool for good (handed to the proxy): its slot is freed. */
    public void handedOff() {
        warmTaken.increment();
        unreserve();
    }

    /** Closes a connection holding a slot, and frees the slot. */
    public void destroy(Conn c) {
        closeQuietly(c.channel);
        evicted.increment();
        unreserve();
    }

    /** Closes every idle connection that expired. @return how many */
    public int evictExpired() {
        int n = 0;
        long now = now();
        for (Conn c : idle) {
            if (!isUsable(c, now) && idle.removeFirstOccurrence(c)) {
                idleCount.decrementAndGet();
                destroy(c);
                n++;
            }
        }
        return n;
    }

    /** Closes every idle connection. */
    public void closeIdle() {
        Conn c;
        while ((c = idle.pollFirst()) != null) {
            idleCount.decrementAndGet();
            destroy(c);
        }
    }

    /**
     * Waits until an idle connection may be there or a slot is free, at most until {@code deadline}
     * (System.nanoTime). Blocking: for acquire callers only.
     *
     * @return false when the deadline passed
     */
    public boolean awaitChange(long deadline) throws InterruptedException {
        lock.lock();
        try {
            waiters++;
            try {
                while (idleCount.get() == 0 && total.get() >= max) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    changed.awaitNanos(Math.min(left, WAITER_RECHECK_NANOS));
                }
                return true;
            } finally {
                waiters--;
            }
        } finally {
            lock.unlock();
        }
    }

    private void signalWaiters() {
        if (waiters > 0 && lock.tryLock()) {
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** @return idle connections needed to reach {@code target} spares, within the limit */
    public int warmDeficit(int target) {
        int want = target - idleCount.get() - connecting.get();
        int room = max - total.get();
        return Math.max(0, Math.min(want, room));
    }

    /** @return whether the warmer may try this backend again (System.nanoTime) */
    public boolean warmAllowed(long nanoTime) {
        return warmRetryAfter == Long.MIN_VALUE || nanoTime - warmRetryAfter >= 0;
    }

    /** A warm connect failed: no new attempt before {@code retryAt}. @return whether it was working until now */
    public boolean warmFailed(long retryAt) {
        warmRetryAfter = retryAt;
        boolean wasWorking = !warmFailing;
        warmFailing = true;
        return wasWorking;
    }

    /** A warm connect succeeded. @return whether it was failing until now */
    public boolean warmSucceeded() {
        warmRetryAfter = Long.MIN_VALUE;
        boolean wasFailing = warmFailing;
        warmFailing = false;
        return wasFailing;
    }

    public int idleCount() {
        return idleCount.get();
    }

    public int total() {
        return total.get();
    }

    public int max() {
        return max;
    }

    /** @return idle, inUse, created, evicted, warmTaken */
    public long[] counts() {
        int i = idleCount.get();
        int inUse = Math.max(0, total.get() - i - connecting.get());
        return new long[]{i, inUse, created.sum(), evicted.sum(), warmTaken.sum()};
    }

    private boolean isUsable(Conn c, long now) {
        return !isExpired(c.idleSince, idleTimeoutNanos, now) && !isExpired(c.createdAt, maxLifetimeNanos, now)
                && c.address.equals(address) && c.channel.isOpen();
    }

    private static boolean isExpired(long since, long limitNanos, long now) {
        return now - since >= limitNanos;
    }

    /**
     * The validation read: a non-blocking 1-byte read on an idle connection returns 0 when all is
     * well, -1 when the backend closed it, more than 0 when bytes arrived that nobody asked for.
     * Leaves the channel non-blocking.
     */
    static boolean readsNothing(SocketChannel ch) {
        try {
            if (ch.isBlocking()) {
                ch.configureBlocking(false);
            }
            return ch.read(ByteBuffer.allocate(1)) == 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    public static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
