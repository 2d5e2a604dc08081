package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.routing.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
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
 *
 * <p>What the backend is blamed for (error metric, circuit breaker): a connect refused or timed
 * out, and an error on the backend socket before the backend's first byte. Errors on the client
 * socket and our own (out of descriptors or ports) are never the backend's fault. The breaker's
 * permission is settled exactly once per attempt: failure when the connect fails or the backend
 * socket fails before its first byte; success at the backend's first byte, when both directions
 * end normally, or once the connection has stood for {@link EngineHooks.BackendGate#VERDICT_WINDOW}
 * without failing (so a half-open trial never waits on a silent protocol); released without a
 * verdict when the attempt ends for a reason that says nothing about the backend (a client
 * error, an idle timeout, a shutdown, our own error). Without breakers there is nothing to settle.
 */
final class ProxyConnection extends LoopTimer implements IoHandler {

    private static final Logger log = LoggerFactory.getLogger(ProxyConnection.class);
    private static final long METRICS_FLUSH_BYTES = 1 << 20;
    /** Relay reads per readiness event before yielding to other connections. */
    private static final int MAX_READS_PER_EVENT = 4;

    private enum Phase { CONNECTING, RELAYING, CLOSED }

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
    /** The breaker permission of the current attempt is taken and not yet settled. */
    private boolean gateHeld;
    /** The backend socket came warm from the pool: its early errors are the pool's staleness, not the backend's. */
    private boolean warm;
    private Set<String> failedBackends = Set.of();
    private int attempts;
    private long connectStartNanos;
    private long connectedAtNanos;
    private long lastActivityNanos;
    private long verdictDeadlineNanos;
    private boolean backendAnswered;
    /** Both directions ended normally: the one close that counts as a breaker success. */
    private boolean cleanEnd;

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

    // ------------------------------------------------------------------ routing and connect

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
            if (!engine.hooks.gate().tryAcquire(b)) {
                // Lost the race for a half-open trial: not a failure of the backend, nor an attempt.
                skip(b);
                continue;
            }
            gateHeld = engine.hooks.gate() != EngineHooks.BackendGate.OPEN; // nothing to settle without breakers
            attempts++;
            SocketChannel spare = takeWarm(b);
            if (spare != null) {
                backend = spare;
                warm = true;
                established(false);
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

    /** @return true when the connect is in progress, done, or the connection closed; false to try the next backend */
    private boolean startConnect(Backend b) {
        connectStartNanos = System.nanoTime();
        try {
            backend = SocketChannel.open();
            backend.configureBlocking(false);
            backend.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            // Our own failure (e.g. out of file descriptors), not the backend's.
            localFailure(b, e);
            close();
            return true;
        }
        boolean connected;
        try {
            connected = backend.connect(b.socketAddress());
        } catch (BindException e) {
            // No local port left towards this backend: ours, not the backend's. Another backend
            // is another 4-tuple, so it may still work.
            localFailure(b, e);
            closeBackend();
            skip(b);
            return false;
        } catch (IOException e) {
            connectFailed(e);
            return false;
        }
        if (connected) {
            established(true);
            return true;
        }
        try {
            backendKey = backend.register(loop.selector, SelectionKey.OP_CONNECT, this);
        } catch (ClosedChannelException e) {
            abort("register", e, false);
            return true;
        }
        backendOps = SelectionKey.OP_CONNECT;
        loop.timers.schedule(this, connectStartNanos + engine.config.connectTimeout().toNanos());
        return true;
    }

    private void localFailure(Backend b, IOException e) {
        if (loop.mayWarn()) {
            log.warn("cannot connect to backend {}: {} (a local limit, not the backend's fault)", b.id(), e.toString());
        }
        engine.metrics.recordRejected("local_error");
        releaseGate();
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
        established(true);
    }

    private void connectFailed(Throwable cause) {
        Backend b = route.backend();
        if (log.isDebugEnabled()) {
            log.debug("connect to backend {} failed for client {}: {}", b.id(), clientAddress.getHostAddress(),
                    cause.toString());
        }
        engine.metrics.recordError(b.id());
        settleGate(false);
        try {
            engine.routing.unbind(route.client(), b.id());
        } catch (RuntimeException e) {
            if (loop.mayWarn()) {
                log.warn("dropping the binding of client {} failed", clientAddress.getHostAddress(), e);
            }
        }
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

    /** The backend socket is connected: register both sides and start relaying. */
    private void established(boolean measured) {
        Backend b = route.backend();
        long now = System.nanoTime();
        try {
            if (backendKey == null) {
                backendKey = backend.register(loop.selector, 0, this);
            }
            clientKey = client.register(loop.selector, 0, this);
        } catch (ClosedChannelException e) {
            abort("register", e, false);
            return;
        }
        backendOps = 0;
        clientOps = 0;
        phase = Phase.RELAYING;
        verdictDeadlineNanos = now + EngineHooks.BackendGate.VERDICT_WINDOW.toNanos();
        if (measured) {
            engine.metrics.recordConnectRtt(b.id(), now - connectStartNanos);
        }
        engine.metrics.recordConnection(b.id());
        connectedAtNanos = now;
        lastActivityNanos = loop.now();
        up.src = client;
        up.dst = backend;
        down.src = backend;
        down.dst = client;
        updateInterest();
        scheduleRelayTimer();
    }

    /** While relaying the timer serves the breaker verdict (while undecided) and the idle timeout. */
    private void scheduleRelayTimer() {
        long idle = engine.config.idleTimeout().toNanos();
        boolean idleOn = idle > 0;
        if (gateHeld) {
            long deadline = verdictDeadlineNanos;
            if (idleOn && lastActivityNanos + idle - deadline < 0) {
                deadline = lastActivityNanos + idle;
            }
            loop.timers.schedule(this, deadline);
        } else if (idleOn) {
            loop.timers.schedule(this, lastActivityNanos + idle);
        } else {
            loop.timers.cancel(this);
        }
    }

    // ------------------------------------------------------------------ timers

    @Override
    void expire(long now) {
        if (phase == Phase.CONNECTING) {
            connectFailed(new IOException("connect timed out after " + engine.config.connectTimeout().toMillis() + " ms"));
            connectNext();
        } else if (phase == Phase.RELAYING) {
            if (gateHeld && now - verdictDeadlineNanos >= 0) {
                settleGate(true); // stood without failing: the backend is up
            }
            long idle = engine.config.idleTimeout().toNanos();
            if (idle > 0 && now - lastActivityNanos >= idle) {
                log.debug("closing idle connection of client {}", clientAddress.getHostAddress());
                engine.metrics.recordRejected("idle_timeout");
                close();
            } else {
                scheduleRelayTimer();
            }
        }
    }

    @Override
    void expireFailed(Throwable cause) {
        onFailure(cause);
    }

    // ------------------------------------------------------------------ relay

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
            } catch (IOException e) {
                pool.release(b);
                abort(d.isUp ? "client read" : "backend read", e, !d.isUp);
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
            boolean firstBackendByte = !d.isUp && !backendAnswered;
            if (firstBackendByte) {
                backendAnswered = true;
            }
            b.flip();
            try {
                d.dst.write(b);
            } catch (IOException e) {
                pool.release(b);
                abort(d.isUp ? "backend write" : "client write", e, d.isUp);
                return;
            }
            lastActivityNanos = loop.now();
            d.count(n);
            boolean full = b.hasRemaining();
            if (full) {
                d.pending = b;
            } else {
                pool.release(b);
            }
            if (firstBackendByte) {
                settleGate(true); // after the buffer is stored or given back: a throwing hook leaks nothing
            }
            if (full || n < b.capacity()) {
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
            abort(d.isUp ? "backend write" : "client write", e, d.isUp);
            return;
        }
        lastActivityNanos = loop.now();
        if (!d.pending.hasRemaining()) {
            loop.buffers.release(d.pending);
            d.pending = null;
            endIfFlushed(d);
        }
    }

    /** Passes end-of-stream on once everything read before it was written. */
    private void endIfFlushed(Direction d) {
        if (!d.eof || d.pending != null || d.ended) {
            return;
        }
        d.ended = true;
        Direction other = d == up ? down : up;
        if (other.ended) {
            cleanEnd = true;
            close(); // both ways done: close() sends the FIN, a shutdown first would be one more syscall
            return;
        }
        try {
            d.dst.shutdownOutput();
        } catch (IOException e) {
            abort(d.isUp ? "backend shutdown" : "client shutdown", e, d.isUp);
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

    // ------------------------------------------------------------------ failure and close

    /**
     * Ends the pair after an I/O error.
     *
     * @param backendSide the error happened on the backend socket: before the backend's first byte
     *                    it counts against the backend (unless the socket was a warm spare)
     */
    private void abort(String where, IOException e, boolean backendSide) {
        if (log.isDebugEnabled()) {
            log.debug("connection of client {} to {} ended by error ({}): {}", clientAddress.getHostAddress(),
                    route == null ? "-" : route.backend().id(), where, e.toString());
        }
        if (backendSide && route != null && !backendAnswered) {
            if (warm) {
                releaseGate(); // a stale spare says little about the backend now
            } else {
                engine.metrics.recordError(route.backend().id());
                settleGate(false); // no-op once the verdict was given: one verdict per attempt
            }
        }
        close();
    }

    @Override
    public void onFailure(Throwable cause) {
        if (loop.mayWarn()) {
            log.error("connection of client {} failed unexpectedly", clientAddress.getHostAddress(), cause);
        }
        close();
    }

    /** Settles the breaker permission of this attempt with a verdict. */
    private void settleGate(boolean success) {
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

    /** Gives the breaker permission of this attempt back without a verdict. */
    private void releaseGate() {
        if (gateHeld) {
            gateHeld = false;
            engine.hooks.gate().release(route.backend());
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
        try {
            loop.timers.cancel(this);
            loop.remove(this);
            loop.closeSoon(client);
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
            if (cleanEnd) {
                settleGate(true); // both ways ended normally before the verdict window: a success
            } else {
                releaseGate(); // client error, idle timeout, shutdown, closed while connecting: no verdict
            }
            route = null;
            if (wasRelaying) {
                String id = r.backend().id();
                up.report(engine, id);
                down.report(engine, id);
                engine.metrics.recordDisconnection(id, Duration.ofNanos(System.nanoTime() - connectedAtNanos));
            }
        }
    }

    private void closeBackend() {
        if (backend != null) {
            loop.closeSoon(backend);
            backend = null;
            backendKey = null;
            backendOps = -1;
        }
    }

    static void closeQuietly(SocketChannel ch) {
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
            if (unreported >= METRICS_FLUSH_BYTES) {
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
