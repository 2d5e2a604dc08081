package io.edgeproxy.infrastructure.proxy.internal;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One way of a relayed pair: client to backend ("up") or backend to client ("down"). Holds at most
 * one buffer, and only while the destination is slower than the source. Confined to the pair's loop.
 */
final class Direction {

    final boolean isUp;
    SocketChannel src;
    SocketChannel dst;
    /** Bytes read but not yet written: only while the peer is slow. */
    ByteBuffer pending;
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
        return !eof && pending == null;
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

    void releaseBuffer(BufferPool pool) {
        if (pending != null) {
            pool.release(pending);
            pending = null;
        }
    }
}
