package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.infrastructure.loop.internal.SplicePipe;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The splice pipes of one event loop. A direction of a pair takes one when its bulk starts (a read
 * filled a whole relay buffer) and keeps it until the pair closes. At most {@value #MAX_IN_USE} are
 * in use per loop, so pipes take at most {@code 2 x MAX_IN_USE} descriptors per loop from the
 * connections' budget; beyond that, and for a while after the kernel refused one (no descriptors
 * left), directions relay by copying as before. Confined to its loop, except {@link #heldBytes()}.
 */
final class PipePool {

    /** Pipes in use at once per loop at most. */
    static final int MAX_IN_USE = io.edgeproxy.infrastructure.proxy.ProxyConfig.SPLICE_PIPES_PER_LOOP;
    /** Empty pipes kept for the next bulk direction. */
    private static final int MAX_FREE = 8;
    private static final long BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int capacity;
    private final ArrayDeque<SplicePipe> free = new ArrayDeque<>();
    private int inUse;
    private long held;
    private final AtomicLong heldBytes = new AtomicLong();
    /** Until when opening is not tried again after the kernel refused a pipe (0: try). */
    private long refusedUntil;

    /** @param capacity bytes a pipe should hold at most */
    PipePool(int capacity) {
        this.capacity = capacity;
    }

    /** @return a pipe, or null: the cap is reached, or the kernel refused one lately */
    SplicePipe take(long nowNanos) {
        if (inUse >= MAX_IN_USE) {
            return null;
        }
        SplicePipe p = free.pollLast();
        if (p == null) {
            if (refusedUntil != 0 && nowNanos - refusedUntil < 0) {
                return null;
            }
            try {
                p = SplicePipe.open(capacity);
                refusedUntil = 0;
            } catch (IOException e) {
                refusedUntil = nowNanos + BACKOFF_NANOS; // EMFILE, ENFILE: the connections need the descriptors more
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
        if (p.size() == 0 && free.size() < MAX_FREE) {
            free.addLast(p);
        } else {
            p.close();
        }
    }

    /** Closes the pipes kept for reuse (the loop is stopping). */
    void closeFree() {
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
