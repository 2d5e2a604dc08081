package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.infrastructure.loop.EventLoop;

import java.util.concurrent.TimeUnit;

/**
 * What the proxy keeps per event loop: the loop's relay buffers, its open connections (an intrusive
 * list, so a stop can close them all), connection ids and the warning rate limit. Confined to the
 * loop's thread, except {@link BufferPool#inUseBytes()} and {@link PipePool#heldBytes()}.
 */
final class LoopContext {

    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    final EventLoop loop;
    final BufferPool buffers;
    /** The loop's splice pipes; null where bytes are never spliced (NIO, or splicing off). */
    final PipePool pipes;
    private ProxyConnection head;
    private long nextId;
    private long lastWarnNanos = System.nanoTime() - WARN_INTERVAL_NANOS;

    LoopContext(EventLoop loop, int bufferSize, int retainedBuffers, boolean splice) {
        this.loop = loop;
        this.buffers = new BufferPool(bufferSize, retainedBuffers);
        this.pipes = splice ? new PipePool(io.edgeproxy.infrastructure.proxy.ProxyConfig.SPLICE_PIPE_SIZE, bufferSize) : null;
    }

    /** @return an id unique in the process: a per-loop sequence with the loop's index in the low byte */
    long nextConnectionId() {
        return (++nextId << 10) | loop.index();
    }

    /** @return whether a warning may be logged now (at most one per second per loop) */
    boolean mayWarn() {
        long t = loop.nanoTime();
        if (t - lastWarnNanos >= WARN_INTERVAL_NANOS) {
            lastWarnNanos = t;
            return true;
        }
        return false;
    }

    void add(ProxyConnection c) {
        c.next = head;
        if (head != null) {
            head.prev = c;
        }
        head = c;
    }

    void remove(ProxyConnection c) {
        if (c.prev != null) {
            c.prev.next = c.next;
        } else if (head == c) {
            head = c.next;
        }
        if (c.next != null) {
            c.next.prev = c.prev;
        }
        c.prev = null;
        c.next = null;
    }

    /** Resets every connection of this loop (the loop is stopping: a forced stop, never a clean end). */
    void resetAll() {
        while (head != null) {
            ProxyConnection c = head;
            c.reset();
            if (head == c) {
                remove(c);
            }
        }
        if (pipes != null) {
            pipes.closeFree();
        }
    }
}
