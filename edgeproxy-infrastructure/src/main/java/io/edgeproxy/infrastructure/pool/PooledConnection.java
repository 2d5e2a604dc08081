package io.edgeproxy.infrastructure.pool;

import io.edgeproxy.infrastructure.pool.internal.BackendPool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A connection borrowed from a {@link ConnectionPool}: close it (try-with-resources) to give it
 * back. It is closed for good instead when it is broken: the backend closed it, bytes are left
 * unread, an I/O error happened on {@link #read}/{@link #write}, or {@link #discard()} was called.
 *
 * <p>The channel is in blocking mode. Reading and writing through {@link #read}/{@link #write} lets
 * the pool notice errors; whoever uses {@link #channel()} directly should {@link #discard()} after an
 * I/O error (the check on return catches a closed or reset socket in any case). Not thread-safe:
 * one user at a time, as with any socket.
 *
 * <pre>{@code
 * try (PooledConnection c = pool.acquire("backend-1", address)) {
 *     c.write(request);
 *     c.read(response);
 * }
 * }</pre>
 */
public final class PooledConnection implements AutoCloseable {

    private final ConnectionPool pool;
    private final BackendPool backend;
    private final BackendPool.Conn conn;
    private final boolean reused;
    private boolean broken;
    private boolean closed;

    PooledConnection(ConnectionPool pool, BackendPool backend, BackendPool.Conn conn, boolean reused) {
        this.pool = pool;
        this.backend = backend;
        this.conn = conn;
        this.reused = reused;
    }

    /** @return the connected channel, in blocking mode */
    public SocketChannel channel() {
        return conn.channel;
    }

    public String backendId() {
        return backend.id();
    }

    /** @return the backend address this connection goes to */
    public InetSocketAddress address() {
        return conn.address;
    }

    /** @return whether it was an idle connection already (true) or connected for this acquire (false) */
    public boolean isReused() {
        return reused;
    }

    /** Reads into {@code dst}; an error or the end of stream marks the connection broken. */
    public int read(ByteBuffer dst) throws IOException {
        try {
            int n = conn.channel.read(dst);
            if (n < 0) {
                broken = true;
            }
            return n;
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    /** Writes from {@code src}; an error marks the connection broken. */
    public int write(ByteBuffer src) throws IOException {
        try {
            return conn.channel.write(src);
        } catch (IOException | RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    /** Closes the connection for good instead of giving it back. */
    public void discard() {
        broken = true;
        close();
    }

    /** Gives the connection back to the pool, or closes it when broken. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pool.giveBack(backend, conn, broken);
    }

    @Override
    public String toString() {
        return "PooledConnection[" + backend.id() + " " + conn.address + (reused ? " reused" : " new")
                + (closed ? " closed" : "") + "]";
    }
}
