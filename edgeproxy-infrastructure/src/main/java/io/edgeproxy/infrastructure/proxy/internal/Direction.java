package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.infrastructure.loop.internal.SplicePipe;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One way of a relayed pair: client to backend ("up") or backend to client ("down"). Holds at most
 * one buffer, and only while the destination is slower than the source; during a burst of bulk on
 * the epoll transport, a splice pipe instead, which holds at most a pipe's worth in the kernel.
 * Confined to the pair's loop.
 */
final class Direction {

    final boolean isUp;
    SocketChannel src;
    SocketChannel dst;
    /** Bytes read but not yet written: only while the peer is slow. */
    ByteBuffer pending;
    /** The pipe bytes are spliced through once this direction carries bulk; null while it copies. */
    SplicePipe pipe;
    /** The source sent end-of-stream. */
    boolean eof;
    /** End-of-stream was passed on to the destination. */
    boolean ended;
    /** Bytes relayed in all. */
    long total;
    /** Bytes relayed since the last report to the listeners. */
    long unreported;

    Direction(boolean isUp) {
        this.isUp = isUp;
    }

    boolean wantsRead() {
        return !eof && !hasPending();
    }

    /** @return whether bytes read wait for the destination: in a buffer or in the pipe */
    boolean hasPending() {
        return pending != null || (pipe != null && pipe.size() > 0);
    }

    void count(int n) {
        total += n;
        unreported += n;
    }

    /** @return the bytes not reported yet, now counted as reported */
    long takeUnreported() {
        long n = unreported;
        unreported = 0;
        return n;
    }

    void release(BufferPool buffers, PipePool pipes) {
        if (pending != null) {
            buffers.release(pending);
            pending = null;
        }
        if (pipe != null) {
            pipes.release(pipe);
            pipe = null;
        }
    }
}
