package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.routing.Route;
import io.edgeproxy.infrastructure.loop.ChannelHandler;
import io.edgeproxy.infrastructure.loop.EventLoop;
import io.edgeproxy.infrastructure.loop.LoopTimer;
import io.edgeproxy.infrastructure.loop.internal.SplicePipe;
import io.edgeproxy.infrastructure.proxy.BackendGate;
import io.edgeproxy.infrastructure.proxy.CloseReason;
import io.edgeproxy.infrastructure.proxy.ProxiedConnection;
import io.edgeproxy.infrastructure.proxy.RejectReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * One client connection and its backend connection, confined to one event loop.
 *
 * <p>How it works. Routing picks a backend and the backend connect starts; the client is not read
 * until the backend is connected, so a failed connect (refused, timed out) can move on to the next
 * best backend without losing a byte. Once connected, reads are tried before polling: the client's
 * first bytes (when the client speaks first they are often waiting by then), then the backend's
 * answer to them, each without waiting for a select round. Each {@link Direction} is relayed by
 * read-into-buffer, write-to-peer: if the peer cannot take everything, the direction keeps its one
 * buffer, stops reading its source and waits for the peer to become writable. That is the whole of
 * backpressure: a pair never holds more than one buffer per direction (on epoll, a burst of bulk
 * goes through a splice pipe instead, which holds at most a pipe's worth). End of stream from one side
 * is passed on as {@code shutdownOutput} once its buffer is flushed, the other direction carries on
 * (half-close); the pair closes when both directions have ended, or at once on any I/O error.
 *
 * <p>What the backend is blamed for (listeners' {@code onBackendFailed}, the gate's failure
 * verdict): a connect refused or timed out, and an error on the backend socket before the backend's
 * first byte. Errors on the client socket and our own (out of descriptors or ports) are never the
 * backend's fault. The {@link Attempt} settles the gate's permit exactly once, by the rules of
 * {@link BackendGate}.
 */
final class ProxyConnection extends LoopTimer implements ChannelHandler, ProxiedConnection {

    private static final Logger log = LoggerFactory.getLogger(ProxyConnection.class);
    /** Bytes relayed between two reports to the listeners. */
    private static final long REPORT_BYTES = 1 << 20;
    /** Relay reads per readiness event before yielding to other connections. */
    private static final int MAX_READS_PER_EVENT = 4;
    /** How long a pair pauses reading when no relay buffer is left. */
    private static final long STARVED_MILLIS = 50;

    private enum Phase { CONNECTING, RELAYING, CLOSED }

    private final EngineContext ctx;
    private final LoopContext lc;
    private final EventLoop loop;
    private final SocketChannel client;
    private final InetSocketAddress clientAddress;
    private final long id;
    private final long openedAtNanos;
    private final Direction up = new Direction(true);
    private final Direction down = new Direction(false);
    private final Attempt attempt = new Attempt();

    private Phase phase = Phase.CONNECTING;
    private SocketChannel backend;
    private SelectionKey clientKey;
    private SelectionKey backendKey;
    private int clientOps = -1;
    private int backendOps = -1;
    /** The backend relayed to, once connected; what listeners see as {@link #backend()} after that. */
    private Backend connectedTo;
    private Set<String> failedBackends = Set.of();
    private int attempts;
    private boolean gateRefused;
    private long lastActivityNanos;
    /** When the client's bytes started waiting for an answer (0 while the backend is not owed one). */
    private long awaitingAnswerSinceNanos;
    /** Until when this pair reads nothing because relay buffers ran out (0 when it may read). */
    private long starvedUntilNanos;

    /** Links in the owning loop's list of connections. */
    ProxyConnection prev;
    ProxyConnection next;

    ProxyConnection(EngineContext ctx, LoopContext lc, SocketChannel client, InetSocketAddress clientAddress) {
        this.ctx = ctx;
        this.lc = lc;
        this.loop = lc.loop;
        this.client = client;
        this.clientAddress = clientAddress;
        this.id = lc.nextConnectionId();
        this.openedAtNanos = loop.nanoTime();
    }

    /** Starts routing; called once on the owning loop right after accept. */
    void open() {
        lc.add(this);
        ctx.events().onOpened(this);
        connectNext();
    }

    // ------------------------------------------------------------------ ProxiedConnection

    @Override
    public long id() {
        return id;
    }

    @Override
    public InetSocketAddress client() {
        return clientAddress;
    }

    @Override
    public Backend backend() {
        if (connectedTo != null) {
            return connectedTo;
        }
        return attempt.active() ? attempt.backend() : null;
    }

    @Override
    public long bytesUp() {
        return up.total;
    }

    @Override
    public long bytesDown() {
        return down.total;
    }

    @Override
    public long openedAtNanos() {
        return openedAtNanos;
    }

    @Override
    public int attempts() {
        return attempts;
    }

    // ------------------------------------------------------------------ routing and connect

    private void connectNext() {
        while (phase == Phase.CONNECTING) {
            if (attempts > ctx.config().connectRetries()) {
                reject(RejectReason.CONNECT_FAILED);
                return;
            }
            Optional<Route> next;
            try {
                next = ctx.routing().route(clientAddress.getAddress(), failedBackends);
            } catch (RuntimeException e) {
                if (lc.mayWarn()) {
                    log.warn("routing failed for client {}: {}", clientAddress.getAddress().getHostAddress(), e.toString(), e);
                }
                reject(RejectReason.ROUTING_ERROR);
                return;
            }
            if (next.isEmpty()) {
                reject(attempts > 0 ? RejectReason.CONNECT_FAILED
                        : gateRefused ? RejectReason.CIRCUIT_OPEN : RejectReason.NO_BACKEND);
                return;
            }
            Route route = next.get();
            Backend b = route.backend();
            BackendGate.Permit permit = ctx.gate().tryAcquire(b);
            if (permit == BackendGate.Permit.DENIED) {
                // Lost the race for a half-open trial: not a failure of the backend, nor an attempt.
                route.release();
                gateRefused = true;
                exclude(b);
                continue;
            }
            attempt.begin(route, permit);
            attempts++;
            ctx.events().onRouted(this, b);
            SocketChannel spare = takeWarm(b);
            if (spare != null) {
                backend = spare;
                attempt.warm = true;
                established(-1);
                return;
            }
            if (startConnect(b)) {
                return;
            }
        }
    }

    private SocketChannel takeWarm(Backend b) {
        try {
            return ctx.warm().take(b);
        } catch (RuntimeException e) {
            log.debug("warm connection to {} unavailable", b.id(), e);
            return null;
        }
    }

    /** @return true when the connect is in progress, done, or the connection closed; false to try the next backend */
    private boolean startConnect(Backend b) {
        attempt.connectStartNanos = System.nanoTime();
        InetSocketAddress address = b.socketAddress();
        try {
            backend = loop.openSocket(address);
        } catch (UnsupportedOperationException e) {
            // No socket of this family here (an IPv6 backend without IPv6): ours, and another
            // backend may be of the other family.
            localFailure(b, new IOException(e.toString(), e));
            endAttempt(b);
            return false;
        } catch (IOException e) {
            // Our own failure (e.g. out of file descriptors), not the backend's.
            localFailure(b, e);
            reject(RejectReason.LOCAL_ERROR);
            return true;
        }
        boolean connected;
        try {
            connected = backend.connect(address);
            if (!connected && address.getAddress() != null && address.getAddress().isLoopbackAddress()) {
                // A loopback handshake completes inside connect(), though Linux reports it in
                // progress: finishing now saves a select round and an epoll_ctl.
                connected = backend.finishConnect();
            }
        } catch (BindException e) {
            // No local port left towards this backend: ours, not the backend's. Another backend
            // is another 4-tuple, so it may still work.
            localFailure(b, e);
            closeBackend();
            endAttempt(b);
            return false;
        } catch (IOException e) {
            connectFailed(e);
            return false;
        }
        if (connected) {
            established(System.nanoTime() - attempt.connectStartNanos);
            return true;
        }
        try {
            backendKey = loop.register(backend, SelectionKey.OP_CONNECT, this);
        } catch (ClosedChannelException e) {
            abort("register", e, false);
            return true;
        }
        backendOps = SelectionKey.OP_CONNECT;
        loop.schedule(this, attempt.connectStartNanos + ctx.config().connectTimeout().toNanos());
        return true;
    }

    private void localFailure(Backend b, IOException e) {
        if (lc.mayWarn()) {
            log.warn("cannot connect to backend {}: {} (a local limit, not the backend's fault)", b.id(), e.toString());
        }
        attempt.releasePermit();
    }

    private void finishConnect() {
        try {
            if (!backend.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            loop.cancel(this);
            connectFailed(e);
            connectNext();
            return;
        }
        loop.cancel(this);
        established(System.nanoTime() - attempt.connectStartNanos);
    }

    private void connectFailed(IOException cause) {
        Backend b = attempt.backend();
        if (log.isDebugEnabled()) {
            log.debug("connect to backend {} failed for client {}: {}", b.id(), clientAddress.getAddress().getHostAddress(),
                    cause.toString());
        }
        ctx.events().onBackendFailed(this, b, cause);
        attempt.verdict(false);
        unbind(b);
        closeBackend();
        endAttempt(b);
    }

    /** The attempt on {@code b} is over without a connection: never try {@code b} again for this client. */
    private void endAttempt(Backend b) {
        attempt.end();
        exclude(b);
    }

    private void exclude(Backend b) {
        if (failedBackends.isEmpty()) {
            failedBackends = new HashSet<>(4);
        }
        failedBackends.add(b.id());
    }

    /**
     * The backend socket is connected: register both sides and start relaying.
     *
     * @param connectNanos the connect's round trip, -1 for a warm spare
     */
    private void established(long connectNanos) {
        Backend b = attempt.backend();
        try {
            if (backendKey == null) {
                backendKey = loop.register(backend, 0, this);
            }
            clientKey = loop.register(client, 0, this);
        } catch (ClosedChannelException e) {
            abort("register", e, false);
            return;
        }
        backendOps = 0;
        clientOps = 0;
        phase = Phase.RELAYING;
        connectedTo = b;
        attempt.verdictDeadlineNanos = System.nanoTime() + BackendGate.VERDICT_WINDOW.toNanos();
        lastActivityNanos = loop.nanoTime();
        up.src = client;
        up.dst = backend;
        down.src = backend;
        down.dst = client;
        ctx.events().onConnected(this, b, connectNanos);
        // Clients mostly speak first, and their first bytes are often waiting by now: relay them
        // at once instead of after a select round. Where the server speaks first (SMTP, MySQL)
        // this costs one read that finds nothing.
        relay(up);
        if (phase == Phase.RELAYING && up.total > 0) {
            // And the backend's answer may be there already too (as HAProxy, read before polling).
            relay(down);
        }
        if (phase == Phase.RELAYING) {
            updateInterest();
            scheduleRelayTimer();
        }
    }

    /**
     * While relaying the timer serves the earliest of: the gate's verdict (while undecided), the
     * backend response timeout (while the client's bytes wait for an answer) and the idle timeout.
     */
    private void scheduleRelayTimer() {
        long deadline = Long.MAX_VALUE;
        boolean any = false;
        if (attempt.awaitingVerdict()) {
            deadline = attempt.verdictDeadlineNanos;
            any = true;
        }
        long response = ctx.config().backendResponseTimeout().toNanos();
        if (response > 0 && awaitingAnswerSinceNanos != 0) {
            deadline = earliest(any, deadline, awaitingAnswerSinceNanos + response);
            any = true;
        }
        long idle = ctx.config().idleTimeout().toNanos();
        if (idle > 0) {
            deadline = earliest(any, deadline, lastActivityNanos + idle);
            any = true;
        }
        if (starvedUntilNanos != 0) {
            deadline = earliest(any, deadline, starvedUntilNanos);
            any = true;
        }
        if (any) {
            loop.schedule(this, deadline);
        } else {
            loop.cancel(this);
        }
    }

    /** @return the earlier of two nanoTime deadlines (overflow-safe); {@code b} when {@code a} is unset */
    private static long earliest(boolean aSet, long a, long b) {
        return !aSet || b - a < 0 ? b : a;
    }

    // ------------------------------------------------------------------ timers

    @Override
    protected void expire(long now) {
        if (phase == Phase.CONNECTING) {
            connectFailed(new IOException("connect timed out after " + ctx.config().connectTimeout().toMillis() + " ms"));
            connectNext();
        } else if (phase == Phase.RELAYING) {
            if (starvedUntilNanos != 0 && now - starvedUntilNanos >= 0) {
                starvedUntilNanos = 0;
                updateInterest(); // read again: buffers may be back
            }
            long response = ctx.config().backendResponseTimeout().toNanos();
            if (response > 0 && awaitingAnswerSinceNanos != 0 && now - awaitingAnswerSinceNanos >= response) {
                backendSilent(response);
                return;
            }
            if (attempt.awaitingVerdict() && now - attempt.verdictDeadlineNanos >= 0) {
                attempt.verdict(true); // stood without failing: the backend is up
            }
            long idle = ctx.config().idleTimeout().toNanos();
            if (idle > 0 && now - lastActivityNanos >= idle) {
                log.debug("closing idle connection of client {}", clientAddress.getAddress().getHostAddress());
                close(CloseReason.IDLE_TIMEOUT);
            } else {
                scheduleRelayTimer();
            }
        }
    }

    @Override
    protected void expireFailed(Throwable cause) {
        onFailure(cause);
    }

    /**
     * The client's bytes went unanswered for the backend response timeout: the backend accepts but
     * does not serve. A failure of the backend, whatever the gate said before (its verdict may have
     * been "up" after the verdict window), and the client's binding goes, so affinity does not
     * send it back.
     */
    private void backendSilent(long timeoutNanos) {
        Backend b = attempt.backend();
        IOException cause = new IOException("no answer within " + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                + " ms of the client's request");
        if (lc.mayWarn()) {
            log.warn("backend {} did not answer client {} within {} ms: closing", b.id(),
                    clientAddress.getAddress().getHostAddress(), java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        }
        ctx.events().onBackendFailed(this, b, cause);
        if (attempt.awaitingVerdict()) {
            attempt.verdict(false);
        } else {
            BackendGate.Permit late = ctx.gate().tryAcquire(b); // the first verdict was premature: count a failure now
            if (late != BackendGate.Permit.DENIED) {
                late.onFailure();
            }
        }
        unbind(b);
        close(CloseReason.BACKEND_ERROR);
    }

    /** Drops the client's binding to {@code b}: affinity never pins a client to a failing backend. */
    private void unbind(Backend b) {
        try {
            ctx.routing().unbind(attempt.route().client(), b.id());
        } catch (RuntimeException e) {
            if (lc.mayWarn()) {
                log.warn("dropping the binding of client {} failed", clientAddress.getAddress().getHostAddress(), e);
            }
        }
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
        if (d.hasPending()) {
            return; // what was read before goes first: the destination's write readiness flushes it
        }
        if (d.pipe != null) {
            splice(d);
        } else {
            copy(d, true);
        }
    }

    /**
     * Reads into a buffer and writes it on, up to {@value #MAX_READS_PER_EVENT} times while reads
     * fill the buffer. {@code maySplice}: a read that fills a whole buffer is bulk, and the rest of
     * this burst goes through a splice pipe where the transport has one.
     */
    private void copy(Direction d, boolean maySplice) {
        BufferPool pool = lc.buffers;
        for (int i = 0; i < MAX_READS_PER_EVENT; i++) {
            ByteBuffer b = pool.take();
            if (b == null) {
                starve();
                return;
            }
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
                if (!d.isUp) {
                    awaitingAnswerSinceNanos = 0; // the backend is done: it owes no answer any more
                }
                endIfFlushed(d);
                return;
            }
            if (n == 0) {
                pool.release(b);
                return;
            }
            boolean firstBackendByte = !d.isUp && !attempt.backendAnswered;
            if (firstBackendByte) {
                attempt.backendAnswered = true;
            }
            b.flip();
            try {
                d.dst.write(b);
            } catch (IOException e) {
                pool.release(b);
                abort(d.isUp ? "backend write" : "client write", e, d.isUp);
                return;
            }
            boolean full = b.hasRemaining();
            if (full) {
                d.pending = b;
            } else {
                pool.release(b);
            }
            relayed(d, n);
            if (firstBackendByte) {
                attempt.verdict(true); // after the buffer is stored or given back: a throwing gate leaks nothing
            }
            if (full || n < b.capacity()) {
                return;
            }
            // A whole buffer at once: bulk. Go on without copying where both sockets allow it.
            if (maySplice && lc.pipes != null && SplicePipe.supports(d.src, d.dst)
                    && (d.pipe = lc.pipes.take(loop.nanoTime())) != null) {
                splice(d);
                return;
            }
        }
    }

    /**
     * One move of the burst through the direction's pipe: {@code splice} from the source into the
     * pipe, then from the pipe into the destination; the loop comes back while the source has more
     * (level-triggered), so one event moves at most a pipe's worth and other pairs get their turn.
     * What the destination cannot take stays in the pipe until it has room. A pipe goes back to the
     * loop's pool as soon as it is empty and a fill fell short of its capacity (the source has
     * nothing more for now), so an idle pair holds none. (A fill of exactly the capacity that
     * happened to empty the source keeps the empty pipe, which holds no pages, until the source
     * sends again or the pair closes.)
     *
     * <p>Only a read tells the source's end of stream and urgent data apart from "nothing now":
     * {@code splice} stops in front of an urgent byte (a read skips it) and then answers as if the
     * socket were empty, or at its end when a FIN follows. So when a splice moves nothing, the pipe
     * goes back and the copy path reads once more.
     */
    private void splice(Direction d) {
        int n;
        try {
            n = d.pipe.fill(d.src);
        } catch (IOException e) {
            abort(d.isUp ? "client read" : "backend read", e, !d.isUp);
            return;
        }
        if (n <= 0) {
            lc.pipes.release(d.pipe);
            d.pipe = null;
            copy(d, false);
            return;
        }
        lc.pipes.moved(n);
        try {
            lc.pipes.moved(-d.pipe.drain(d.dst));
        } catch (IOException e) {
            abort(d.isUp ? "backend write" : "client write", e, d.isUp);
            return;
        }
        relayed(d, n);
        if (d.pipe.size() == 0 && n < d.pipe.capacity()) {
            lc.pipes.release(d.pipe); // the source is drained for now
            d.pipe = null;
        }
    }

    /** Accounts for {@code n} bytes passed from {@code d.src} towards {@code d.dst}. */
    private void relayed(Direction d, int n) {
        lastActivityNanos = loop.nanoTime();
        d.count(n);
        if (!d.isUp) {
            awaitingAnswerSinceNanos = 0;
        } else if (awaitingAnswerSinceNanos == 0 && !down.eof) { // a backend that half-closed owes no answer
            awaitingAnswerSinceNanos = lastActivityNanos;
            if (ctx.config().backendResponseTimeout().toNanos() > 0) {
                scheduleRelayTimer();
            }
        }
        if (up.unreported + down.unreported >= REPORT_BYTES) {
            reportBytes();
        }
    }

    private void flush(Direction d) {
        if (d.pipe != null && d.pipe.size() > 0) {
            try {
                lc.pipes.moved(-d.pipe.drain(d.dst));
            } catch (IOException e) {
                abort(d.isUp ? "backend write" : "client write", e, d.isUp);
                return;
            }
            lastActivityNanos = loop.nanoTime();
            if (d.pipe.size() == 0) {
                // reading resumes through the copy path, which takes one again for bulk; no end of
                // stream to pass on yet: only the copy path reads it, once the pipe is given back
                lc.pipes.release(d.pipe);
                d.pipe = null;
            }
            return;
        }
        if (d.pending == null) {
            return;
        }
        try {
            d.dst.write(d.pending);
        } catch (IOException e) {
            abort(d.isUp ? "backend write" : "client write", e, d.isUp);
            return;
        }
        lastActivityNanos = loop.nanoTime();
        if (!d.pending.hasRemaining()) {
            lc.buffers.release(d.pending);
            d.pending = null;
            endIfFlushed(d);
        }
    }

    /** Passes end-of-stream on once everything read before it was written. */
    private void endIfFlushed(Direction d) {
        if (!d.eof || d.hasPending() || d.ended) {
            return;
        }
        d.ended = true;
        Direction other = d == up ? down : up;
        if (other.ended) {
            close(CloseReason.COMPLETED); // close() sends the FIN, a shutdown first would be one more syscall
            return;
        }
        try {
            d.dst.shutdownOutput();
        } catch (IOException e) {
            abort(d.isUp ? "backend shutdown" : "client shutdown", e, d.isUp);
        }
    }

    /**
     * No relay buffer to read into (direct memory at its limit): stop reading both sides for
     * {@value #STARVED_MILLIS} ms, as backpressure does, instead of failing; buffers come back as
     * other pairs drain.
     */
    private void starve() {
        starvedUntilNanos = loop.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(STARVED_MILLIS);
        if (lc.mayWarn()) {
            log.warn("relay buffers exhausted ({} bytes held on this loop; direct memory at -XX:MaxDirectMemorySize): "
                    + "connections pause reading for {} ms", lc.buffers.inUseBytes(), STARVED_MILLIS);
        }
        scheduleRelayTimer();
    }

    private void updateInterest() {
        boolean mayRead = starvedUntilNanos == 0;
        int c = (mayRead && up.wantsRead() ? SelectionKey.OP_READ : 0) | (down.hasPending() ? SelectionKey.OP_WRITE : 0);
        int b = (mayRead && down.wantsRead() ? SelectionKey.OP_READ : 0) | (up.hasPending() ? SelectionKey.OP_WRITE : 0);
        if (c != clientOps) {
            clientKey.interestOps(c);
            clientOps = c;
        }
        if (b != backendOps) {
            backendKey.interestOps(b);
            backendOps = b;
        }
    }

    private void reportBytes() {
        if (connectedTo != null && (up.unreported | down.unreported) != 0) {
            ctx.events().onBytes(this, connectedTo, up.takeUnreported(), down.takeUnreported());
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
            log.debug("connection of client {} to {} ended by error ({}): {}", clientAddress.getAddress().getHostAddress(),
                    attempt.active() ? attempt.backend().id() : "-", where, e.toString());
        }
        if (backendSide && attempt.active() && !attempt.backendAnswered) {
            if (attempt.warm) {
                attempt.releasePermit(); // a stale spare says little about the backend now
            } else {
                ctx.events().onBackendFailed(this, attempt.backend(), e);
                attempt.verdict(false); // no-op once the verdict was given: one verdict per attempt
                unbind(attempt.backend());
            }
        }
        close(backendSide ? CloseReason.BACKEND_ERROR : CloseReason.CLIENT_ERROR);
    }

    @Override
    public void onFailure(Throwable cause) {
        if (lc.mayWarn()) {
            log.error("connection of client {} failed unexpectedly", clientAddress.getAddress().getHostAddress(), cause);
        }
        close(CloseReason.INTERNAL_ERROR);
    }

    /** No backend will serve this client: tell the listeners why, then close. */
    private void reject(RejectReason reason) {
        ctx.events().onRejected(clientAddress, this, reason);
        close(CloseReason.REJECTED);
    }

    /**
     * Closes both sides and gives everything back. Idempotent; runs on the owning loop. Resources
     * are released before anything is reported, so a failing report cannot leak a socket, a
     * buffer or an active count.
     */
    void close(CloseReason reason) {
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.CLOSED;
        loop.cancel(this);
        lc.remove(this);
        loop.closeSoon(client);
        closeBackend();
        up.release(lc.buffers, lc.pipes);
        down.release(lc.buffers, lc.pipes);
        if (attempt.active()) {
            if (reason == CloseReason.COMPLETED && attempt.backendAnswered) {
                attempt.verdict(true); // both ways ended normally, the backend having answered: a success
            } else {
                attempt.releasePermit(); // client error, idle timeout, shutdown, a backend that closed without a byte: no verdict
            }
            attempt.end();
        }
        reportBytes();
        ctx.events().onClosed(this, reason);
    }

    /**
     * Closes both sides with a reset (RST) instead of a FIN, so a client can tell a cut transfer
     * from a complete one: what a forced stop does.
     */
    void reset() {
        lingerZero(client);
        if (backend != null) {
            lingerZero(backend);
        }
        close(CloseReason.SHUTDOWN);
    }

    private static void lingerZero(SocketChannel ch) {
        try {
            ch.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException e) {
            log.trace("SO_LINGER failed", e);
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
}
