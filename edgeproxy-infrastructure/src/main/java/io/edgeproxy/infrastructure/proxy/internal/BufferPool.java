package io.edgeproxy.infrastructure.proxy.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct relay buffers of one event loop. A connection takes a buffer for each read and gives it
 * back as soon as the bytes are written, so an idle connection holds none; at most
 * {@code maxRetained} free buffers are kept for reuse, the rest are left to the garbage collector.
 * Confined to its loop; only the in-use figure is published for other threads.
 */
final class BufferPool {

    private final int bufferSize;
    private final int maxRetained;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final AtomicLong inUseBytes = new AtomicLong();
    private long inUse;
    /** Until when allocating is not tried again after direct memory ran out (0: try). */
    private long noDirectMemoryUntil;
    private static final long DIRECT_MEMORY_BACKOFF_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(200);

    BufferPool(int bufferSize, int maxRetained) {
        this.bufferSize = bufferSize;
        this.maxRetained = maxRetained;
    }

    /**
     * @return a cleared buffer, or null when direct memory is at its limit
     *         ({@code -XX:MaxDirectMemorySize}, by default the heap's size): the caller backs off
     *         instead of failing the loop, and tries again once other connections gave buffers back
     */
    ByteBuffer take() {
        ByteBuffer b = free.pollLast();
        if (b == null) {
            // After a failure, do not ask again for a while: the JDK runs a GC and sleeps up to about
            // half a second before it refuses, on this loop's thread.
            if (noDirectMemoryUntil != 0 && System.nanoTime() - noDirectMemoryUntil < 0) {
                return null;
            }
            try {
                b = ByteBuffer.allocateDirect(bufferSize);
                noDirectMemoryUntil = 0;
            } catch (OutOfMemoryError e) {
                // "Cannot reserve N bytes of direct buffer memory" (JDK 17+), "Direct buffer memory" (older)
                if (String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("direct buffer memory")) {
                    noDirectMemoryUntil = System.nanoTime() + DIRECT_MEMORY_BACKOFF_NANOS;
                    return null; // a resource limit, not a broken heap: back off
                }
                throw e;
            }
        }
        inUse += bufferSize;
        inUseBytes.lazySet(inUse);
        return b;
    }

    void release(ByteBuffer b) {
        b.clear();
        inUse -= bufferSize;
        inUseBytes.lazySet(inUse);
        if (free.size() < maxRetained) {
            free.addLast(b);
        }
    }

    /** @return bytes of buffers currently held by connections; readable from any thread */
    long inUseBytes() {
        return inUseBytes.get();
    }

    int bufferSize() {
        return bufferSize;
    }
}
