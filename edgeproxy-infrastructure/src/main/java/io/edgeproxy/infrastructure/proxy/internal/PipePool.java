package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.infrastructure.loop.internal.SplicePipe;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The splice pipes of one event loop. A direction of a pair takes one when a burst of bulk starts (a
 * read filled a whole relay buffer) and gives it back once it is empty and the source has nothing
 * more for now, or when the pair closes. At most {@value #MAX_IN_USE} are
 * in use per loop, so pipes take at most {@code 2 x MAX_IN_USE} descriptors per loop from the
 * connections' budget; beyond that, and for a while after the kernel refused one (no descriptors
 * left), directions relay by copying as before. Confined to its loop, except {@link #heldBytes()}.
 */
final class PipePool {

    /** Pipes in use at once per loop at most. */
    static final int MAX_IN_USE = io.edgeproxy.infrastructure.proxy.ProxyConfig.SPLICE_PIPES_PER_LOOP;
    /**
     * Empty pipes kept for the next bulk direction. Few: an unprivileged user's pipes, idle ones
     * included, share {@code fs.pipe-user-pages-soft} (64 pipes of 1 MiB), and every loop keeps its own.
     */
    private static final int MAX_FREE = 4;
    private static final long BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int capacity;
    private final int minimum;
    private final ArrayDeque<SplicePipe> free = new ArrayDeque<>();
    private int inUse;
    private long held;
    private final AtomicLong heldBytes = new AtomicLong();
    /** Until when opening is not tried again after the kernel refused a pipe (0: try). */
    private long refusedUntil;
    /** The loop stopped: no pipe is handed out any more, and one given back is closed. */
    private boolean closed;

    /**
     * @param capacity bytes a pipe is asked to hold
     * @param minimum  a pipe the kernel grants smaller than this is refused: splicing through it would
     *                 take more system calls than copying through a relay buffer of this size
     */
    PipePool(int capacity, int minimum) {
        this.capacity = capacity;
        this.minimum = minimum;
    }

    /** @return a pipe, or null: the cap is reached, or the kernel refused one lately */
    SplicePipe take(long nowNanos) {
        if (closed || inUse >= MAX_IN_USE) {
            return null;
        }
        SplicePipe p = free.pollLast();
        if (p == null) {
            if (refusedUntil != 0 && nowNanos - refusedUntil < 0) {
                return null;
            }
            try {
                p = SplicePipe.open(capacity, minimum);
                refusedUntil = 0;
            } catch (IOException e) {
                // EMFILE, ENFILE (the connections need the descriptors more), or a pipe smaller than
                // a buffer (the user's pipe pages at fs.pipe-user-pages-soft): copying is faster then
                refusedUntil = nowNanos + BACKOFF_NANOS;
                return null;
            }
        }
        inUse++;
        return p;
    }

    /** Counts bytes that went into ({@code delta > 0}) or out of a pipe of this loop. */
    void moved(long delta) {
        held += delta;
        heldBytes.lazySet(held);
    }

    /** @return bytes in this loop's pipes: read from one socket, not yet written to the other; any thread */
    long heldBytes() {
        return heldBytes.get();
    }

    /** Gives a pipe back: kept for reuse if empty and room is left, else closed with what it held. */
    void release(SplicePipe p) {
        inUse--;
        moved(-p.size());
        if (!closed && p.size() == 0 && free.size() < MAX_FREE) {
            free.addLast(p);
        } else {
            p.close();
        }
    }

    /** Closes the pipes kept for reuse and refuses more (the loop is stopping). */
    void closeFree() {
        closed = true;
        SplicePipe p;
        while ((p = free.pollLast()) != null) {
            p.close();
        }
    }

    /** @return pipes in use now */
    int inUse() {
        return inUse;
    }
}
