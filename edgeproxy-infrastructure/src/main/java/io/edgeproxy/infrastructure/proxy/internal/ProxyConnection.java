package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.routing.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * One client connection and its backend connection, confined to one event loop.
 *
 * <p>How it works. Routing picks a backend and the backend connect starts; the client is not read
 * until the backend is connected, so a failed connect (refused, timed out) can move on to the next
 * best backend without losing a byte. Once connected, each direction is relayed by
 * read-into-buffer, write-to-peer: if the peer cannot take everything, the direction keeps its one
 * buffer, stops reading its source and waits for the peer to become writable. That is the whole of
 * backpressure: a pair never holds more than one buffer per direction. End of stream from one side
 * is passed on as {@code shutdownOutput} once its buffer is flushed, the other direction carries on
 * (half-close); the pair closes when both directions have ended, or at once on any I/O error.
 */
final class ProxyConnection extends LoopTimer implements IoHandler {

    private static final Logger log = LoggerFactory.getLogger(ProxyConnection.class);
    private static final long METRICS_FLUSH_BYTES = 1 << 20;

    private enum Phase { CONNECTING, RELAYING, CLOSED }

    /** Relay reads per readiness event before yielding to other connections. */
    private static final int MAX_READS_PER_EVENT = 4;

    private final ProxyEngine engine;
    private final EventLoop loop;
    private final SocketChannel client;
    private final InetAddress clientAddress;
    private final Direction up;
    private final Direction down;

    private Phase phase = Phase.CONNECTING;
    private SocketChannel backend;
    private SelectionKey clientKey;
    private SelectionKey backendKey;
    private int clientOps = -1;
    private int backendOps = -1;
    private Route route;
    private boolean gateHeld;
    private Set<String> failedBackends = Set.of();
    private int attempts;
    private long connectStartNanos;
    private long connectedAtNanos;
    private long lastActivityNanos;
    private boolean backendAnswered;

    /** Links in the owning loop's list of connections. */
    ProxyConnection prev;
    ProxyConnection next;

    ProxyConnection(ProxyEngine engine, EventLoop loop, SocketChannel client, InetAddress clientAddress) {
        this.engine = engine;
        this.loop = loop;
        this.client = client;
        this.clientAddress = clientAddress;
        this.up = new Direction(true);
        this.down = new Direction(false);
    }

    /** Starts routing; called once on the owning loop right after accept. */
    void open() {
        loop.add(this);
        connectNext();
    }

    private void connectNext() {
        while (phase == Phase.CONNECTING) {
            if (attempts > engine.config.connectRetries()) {
                engine.metrics.recordRejected("connect_failed");
                close();
                return;
            }
            Optional<Route> next;
            try {
                next = engine.routing.route(clientAddress, failedBackends);
            } catch (RuntimeException e) {
                if (loop.mayWarn()) {
                    log.warn("routing failed for client {}: {}", clientAddress.getHostAddress(), e.toString(), e);
                }
                engine.metrics.recordRejected("routing_error");
                close();
                return;
            }
            if (next.isEmpty()) {
                engine.metrics.recordRejected(attempts == 0 ? "no_backend" : "connect_failed");
                close();
                return;
            }
            route = next.get();
            Backend b = route.backend();
            attempts++;
            if (!engine.hooks.gate().tryAcquire(b)) {
                // Lost the race for a half-open trial: not a failure of the backend, just skip it.
                skip(b);
                continue;
            }
            gateHeld = true;
            SocketChannel warm = takeWarm(b);
            if (warm != null) {
                backend = warm;
                try {
                    onConnected(false);
                } catch (IOException e) {
                    abort("register", e);
                }
                return;
            }
            if (startConnect(b)) {
                return;
            }
        }
    }

    private SocketChannel takeWarm(Backend b) {
        try {
            return engine.hooks.warm().take(b);
        } catch (RuntimeException e) {
            log.debug("warm connection to {} unavailable", b.id(), e);
            return null;
        }
    }

    /** @return true when the connect is in progress, done, or the connection closed; false when it failed at once */
    private boolean startConnect(Backend b) {
        connectStartNanos = System.nanoTime();
        try {
            backend = SocketChannel.open();
            backend.configureBlocking(false);
            backend.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            // Our own failure (e.g. out of file descriptors), not the backend's: no penalty for it.
            if (loop.mayWarn()) {
                log.warn("cannot open a socket to backend {}: {}", b.id(), e.toString());
            }
            engine.metrics.recordRejected("local_error");
            gateHeld = false; // says nothing about the backend: a half-open trial simply times out
            close();
            return true;
        }
        try {
            if (backend.connect(b.socketAddress())) {
                onConnected(true);
            } else {
                backendKey = backend.register(loop.selector, SelectionKey.OP_CONNECT, this);
                backendOps = SelectionKey.OP_CONNECT;
                loop.timers.schedule(this, connectStartNanos + engine.config.connectTimeout().toNanos());
            }
            return true;
        } catch (IOException e) {
            connectFailed(e);
            return false;
        }
    }

    private void finishConnect() {
        try {
            if (!backend.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            loop.timers.cancel(this);
            connectFailed(e);
            connectNext();
            return;
        }
        loop.timers.cancel(this);
        try {
            onConnected(true);
        } catch (IOException e) {
            abort("register", e);
        }
    }

    private void connectFailed(Throwable cause) {
        Backend b = route.backend();
        if (log.isDebugEnabled()) {
            log.debug("connect to backend {} failed for client {}: {}", b.id(), clientAddress.getHostAddress(),
                    cause.toString());
        }
        engine.metrics.recordError(b.id());
        releaseGate(false);
        engine.routing.unbind(route.client(), b.id());
        closeBackend();
        skip(b);
    }

    private void skip(Backend b) {
        route.release();
        route = null;
        if (failedBackends.isEmpty()) {
            failedBackends = new HashSet<>(4);
        }
        failedBackends.add(b.id());
    }

    private void onConnected(boolean measured) throws IOException {
        Backend b = route.backend();
        long now = System.nanoTime();
        if (measured) {
            engine.metrics.recordConnectRtt(b.id(), now - connectStartNanos);
        }
        engine.metrics.recordConnection(b.id());
        phase = Phase.RELAYING;
        connectedAtNanos = now;
        lastActivityNanos = loop.now();
        up.src = client;
        up.dst = backend;
        down.src = backend;
        down.dst = client;
        if (backendKey == null) {
            backendKey = backend.register(loop.selector, 0, this);
            backendOps = 0;
        }
        clientKey = client.register(loop.selector, 0, this);
        clientOps = 0;
        updateInterest();
        scheduleIdle();
    }

    private void scheduleIdle() {
        Duration idle = engine.config.idleTimeout();
        if (!idle.isZero()) {
            loop.timers.schedule(this, lastActivityNanos + idle.toNanos());
        }
    }

    @Override
    void expire(long now) {
        if (phase == Phase.CONNECTING) {
            connectFailed(new IOException("connect timed out after " + engine.config.connectTimeout().toMillis() + " ms"));
            connectNext();
        } else if (phase == Phase.RELAYING) {
            long idle = engine.config.idleTimeout().toNanos();
            if (now - lastActivityNanos >= idle) {
                log.debug("closing idle connection of client {}", clientAddress.getHostAddress());
                engine.metrics.recordRejected("idle_timeout");
                close();
            } else {
                loop.timers.schedule(this, lastActivityNanos + idle);
            }
        }
    }

    @Override
    public void onReady(SelectionKey key, int readyOps) {
        if (phase == Phase.CONNECTING) {
            if (key == backendKey && (readyOps & SelectionKey.OP_CONNECT) != 0) {
                finishConnect();
            }
            return;
        }
        if (phase != Phase.RELAYING) {
            return;
        }
        boolean isClient = key == clientKey;
        Direction in = isClient ? up : down;     // bytes read from this key's channel
        Direction out = isClient ? down : up;    // bytes written to this key's channel
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            flush(out);
        }
        if (phase == Phase.RELAYING && (readyOps & SelectionKey.OP_READ) != 0) {
            relay(in);
        }
        if (phase == Phase.RELAYING) {
            updateInterest();
        }
    }

    /** Reads from {@code d.src} and writes to {@code d.dst} until the source is drained or the peer is full. */
    private void relay(Direction d) {
        BufferPool pool = loop.buffers;
        for (int i = 0; i < MAX_READS_PER_EVENT; i++) {
            ByteBuffer b = pool.take();
            int n;
            try {
                n = d.src.read(b);
                if (n > 0) {
                    b.flip();
                    d.dst.write(b);
                }
            } catch (IOException e) {
                pool.release(b);
                abort(d.isUp ? "client read/backend write" : "backend read/client write", e);
                return;
            }
            if (n < 0) {
                pool.release(b);
                d.eof = true;
                endIfFlushed(d);
                return;
            }
            if (n == 0) {
                pool.release(b);
                return;
            }
            lastActivityNanos = loop.now();
            d.count(n);
            if (!d.isUp && !backendAnswered) {
                backendAnswered = true;
                releaseGate(true);
            }
            if (b.hasRemaining()) {
                d.pending = b;
                return;
            }
            pool.release(b);
            if (n < b.capacity()) {
                return;
            }
        }
    }

    private void flush(Direction d) {
        if (d.pending == null) {
            return;
        }
        try {
            d.dst.write(d.pending);
        } catch (IOException e) {
            abort("write", e);
            return;
        }
        lastActivityNanos = loop.now();
        if (!d.pending.hasRemaining()) {
            loop.buffers.release(d.pending);
            d.pending = null;
            if (d.eof) {
                endIfFlushed(d);
            }
        }
    }

    /** Passes end-of-stream on once everything read before it was written. */
    private void endIfFlushed(Direction d) {
        if (d.pending != null || d.ended) {
            return;
        }
        d.ended = true;
        Direction other = d == up ? down : up;
        if (other.ended) {
            close(); // both ways done: close() sends the FIN, a shutdown first would be one more syscall
            return;
        }
        try {
            d.dst.shutdownOutput();
        } catch (ClosedChannelException e) {
            // the peer side is already closed; the pair closes below
        } catch (IOException e) {
            abort("shutdown", e);
        }
    }

    private void updateInterest() {
        int c = (up.wantsRead() ? SelectionKey.OP_READ : 0) | (down.pending != null ? SelectionKey.OP_WRITE : 0);
        int b = (down.wantsRead() ? SelectionKey.OP_READ : 0) | (up.pending != null ? SelectionKey.OP_WRITE : 0);
        if (c != clientOps) {
            clientKey.interestOps(c);
            clientOps = c;
        }
        if (b != backendOps) {
            backendKey.interestOps(b);
            backendOps = b;
        }
    }

    private void abort(String where, IOException e) {
        if (log.isDebugEnabled()) {
            log.debug("connection of client {} to {} ended by error ({}): {}", clientAddress.getHostAddress(),
                    route == null ? "-" : route.backend().id(), where, e.toString());
        }
        if (route != null && !backendAnswered) {
            engine.metrics.recordError(route.backend().id());
            releaseGate(false);
        }
        close();
    }

    @Override
    public void onFailure(Throwable cause) {
        log.error("connection of client {} failed unexpectedly", clientAddress.getHostAddress(), cause);
        close();
    }

    private void releaseGate(boolean success) {
        if (!gateHeld) {
            return;
        }
        gateHeld = false;
        Backend b = route.backend();
        if (success) {
            engine.hooks.gate().onSuccess(b);
        } else {
            engine.hooks.gate().onFailure(b);
        }
    }

    /**
     * Closes both sides and gives everything back. Idempotent; runs on the owning loop. Resources
     * are released before anything is reported, so a failing report cannot leak a socket, a
     * buffer or an active count.
     */
    void close() {
        if (phase == Phase.CLOSED) {
            return;
        }
        boolean wasRelaying = phase == Phase.RELAYING;
        phase = Phase.CLOSED;
        Route r = route;
        route = null;
        try {
            loop.timers.cancel(this);
            loop.remove(this);
            closeQuietly(client);
            closeBackend();
            up.releaseBuffer(loop.buffers);
            down.releaseBuffer(loop.buffers);
            if (r != null) {
                r.release();
            }
        } finally {
            engine.connectionClosed();
        }
        if (r != null) {
            String id = r.backend().id();
            if (wasRelaying) {
                up.report(engine, id);
                down.report(engine, id);
                engine.metrics.recordDisconnection(id, Duration.ofNanos(System.nanoTime() - connectedAtNanos));
                if (gateHeld) {
                    gateHeld = false;
                    engine.hooks.gate().onSuccess(r.backend()); // established and never failed: a success
                }
            }
        }
    }

    private void closeBackend() {
        if (backend != null) {
            closeQuietly(backend);
            backend = null;
            backendKey = null;
            backendOps = -1;
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            log.trace("close failed", e);
        }
    }

    /** One way of the relay: client to backend ("up") or backend to client ("down"). */
    private final class Direction {
        final boolean isUp;
        SocketChannel src;
        SocketChannel dst;
        /** Bytes read but not yet written: only while the peer is slow. */
        ByteBuffer pending;
        /** The source sent end-of-stream. */
        boolean eof;
        /** End-of-stream was passed on to the destination. */
        boolean ended;
        long unreported;

        Direction(boolean isUp) {
            this.isUp = isUp;
        }

        boolean wantsRead() {
            return !eof && pending == null;
        }

        void count(int n) {
            unreported += n;
            if (unreported >= METRICS_FLUSH_BYTES && route != null) {
                report(engine, route.backend().id());
            }
        }

        void report(ProxyEngine e, String backendId) {
            if (unreported > 0) {
                if (isUp) {
                    e.metrics.recordBytesSent(backendId, unreported);
                } else {
                    e.metrics.recordBytesReceived(backendId, unreported);
                }
                unreported = 0;
            }
        }

        void releaseBuffer(BufferPool pool) {
            if (pending != null) {
                pool.release(pending);
                pending = null;
            }
        }
    }
}
