package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.infrastructure.loop.ChannelHandler;
import io.edgeproxy.infrastructure.loop.EventLoop;
import io.edgeproxy.infrastructure.loop.LoopTimer;
import io.edgeproxy.infrastructure.proxy.ClientAdmission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Accepts on one listening socket owned by one loop. With {@code SO_REUSEPORT} every loop has its
 * own and keeps what it accepts; otherwise the single acceptor hands connections to the loops
 * round-robin. An accept error (for example too many open files) pauses this listener for
 * {@value #BACKOFF_MILLIS} ms instead of spinning, and the proxy keeps serving what it has.
 */
final class Acceptor extends LoopTimer implements ChannelHandler {

    private static final Logger log = LoggerFactory.getLogger(Acceptor.class);
    private static final int MAX_ACCEPTS_PER_EVENT = 64;
    static final long BACKOFF_MILLIS = 100;
    static final long CAP_RECHECK_MILLIS = 10;

    private final EngineContext ctx;
    private final LoopContext lc;
    private final ServerSocketChannel server;
    /** The loops to hand connections to, or null to keep them on this loop. */
    private final List<LoopContext> handoff;
    private int nextLoop;
    private boolean atCap;
    SelectionKey key;

    Acceptor(EngineContext ctx, LoopContext lc, ServerSocketChannel server, List<LoopContext> handoff) {
        this.ctx = ctx;
        this.lc = lc;
        this.server = server;
        this.handoff = handoff;
    }

    @Override
    public void onReady(SelectionKey key, int readyOps) {
        for (int i = 0; i < MAX_ACCEPTS_PER_EVENT; i++) {
            if (ctx.openConnections().getAsInt() >= ctx.config().maxConnections()) {
                holdAtCap();
                return;
            }
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (java.nio.channels.ClosedChannelException e) {
                return; // the listener was closed (a shutdown): nothing to accept any more
            } catch (IOException e) {
                backOff(e);
                return;
            }
            if (ch == null) {
                return;
            }
            if (handoff == null) {
                accepted(ctx, lc, ch);
            } else {
                LoopContext target = handoff.get(nextLoop);
                nextLoop = (nextLoop + 1) % handoff.size();
                target.loop.execute(() -> accepted(ctx, target, ch));
            }
        }
    }

    /**
     * At the connection cap: stop accepting (the kernel's backlog holds new clients, as HAProxy's
     * {@code maxconn} does) and look again every {@value #CAP_RECHECK_MILLIS} ms. Logged once per
     * episode, by whichever listener hits the cap first.
     */
    private void holdAtCap() {
        if (ctx.atCap().compareAndSet(false, true)) {
            log.warn("at the connection cap ({} open, maxConnections {}): not accepting until connections close",
                    ctx.openConnections().getAsInt(), ctx.config().maxConnections());
        }
        atCap = true;
        key.interestOps(0);
        lc.loop.schedule(this, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CAP_RECHECK_MILLIS));
    }

    private Object localAddress() {
        try {
            return server.getLocalAddress();
        } catch (IOException e) {
            return "a closed listener";
        }
    }

    private void backOff(IOException e) {
        if (lc.mayWarn()) {
            log.warn("accept on {} failed, pausing it for {} ms: {}", localAddress(), BACKOFF_MILLIS, e.toString());
        }
        key.interestOps(0);
        lc.loop.schedule(this, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BACKOFF_MILLIS));
    }

    @Override
    protected void expire(long now) {
        if (!key.isValid()) {
            return;
        }
        if (atCap) {
            int open = ctx.openConnections().getAsInt();
            int max = ctx.config().maxConnections();
            if (open >= max) {
                lc.loop.schedule(this, now + TimeUnit.MILLISECONDS.toNanos(CAP_RECHECK_MILLIS));
                return;
            }
            atCap = false;
            // The episode ends (one line) once well below the cap, so a proxy hovering at it logs once.
            if (open <= max - Math.max(1, max / 10) && ctx.atCap().compareAndSet(true, false)) {
                log.info("below the connection cap again ({} open, maxConnections {}): accepting", open, max);
            }
        }
        key.interestOps(SelectionKey.OP_ACCEPT);
    }

    @Override
    protected void expireFailed(Throwable cause) {
        onFailure(cause);
    }

    @Override
    public void onFailure(Throwable cause) {
        log.error("acceptor on loop {} failed; it keeps accepting", lc.loop.index(), cause);
    }

    /** Sets up a freshly accepted client on its loop: admission, then routing and connect. */
    static void accepted(EngineContext ctx, LoopContext lc, SocketChannel ch) {
        InetSocketAddress remote;
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            remote = (InetSocketAddress) ch.getRemoteAddress();
        } catch (IOException e) {
            ProxyConnection.closeQuietly(ch);
            return;
        }
        if (remote == null) {
            ProxyConnection.closeQuietly(ch);
            return;
        }
        ClientAdmission refusedBy = admission(ctx, lc, remote);
        if (refusedBy != null) {
            ProxyConnection.closeQuietly(ch);
            ctx.events().onRejected(remote, null, refusedBy.rejectReason());
            return;
        }
        ProxyConnection connection = new ProxyConnection(ctx, lc, ch, remote);
        try {
            connection.open();
        } catch (Throwable t) {
            if (EventLoop.isFatal(t)) {
                throw t; // out of memory: the loop fails the proxy closed
            }
            if (lc.mayWarn()) {
                log.error("connection of client {} failed while opening", remote.getAddress().getHostAddress(), t);
            }
            connection.close(io.edgeproxy.infrastructure.proxy.CloseReason.INTERNAL_ERROR);
        }
    }

    /** @return the first admission that turns this client away, or null when all admit it */
    private static ClientAdmission admission(EngineContext ctx, LoopContext lc, InetSocketAddress remote) {
        ClientAdmission[] admissions = ctx.admissions();
        for (ClientAdmission a : admissions) {
            boolean admitted;
            try {
                admitted = a.admit(remote.getAddress());
            } catch (RuntimeException e) {
                if (lc.mayWarn()) {
                    log.warn("admission check {} failed for {}; admitting", a, remote.getAddress().getHostAddress(), e);
                }
                admitted = true;
            }
            if (!admitted) {
                return a;
            }
        }
        return null;
    }
}
