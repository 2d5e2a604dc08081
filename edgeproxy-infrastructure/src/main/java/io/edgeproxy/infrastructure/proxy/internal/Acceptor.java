package io.edgeproxy.infrastructure.proxy.internal;

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
final class Acceptor extends LoopTimer implements IoHandler {

    private static final Logger log = LoggerFactory.getLogger(Acceptor.class);
    private static final int MAX_ACCEPTS_PER_EVENT = 64;
    static final long BACKOFF_MILLIS = 100;

    private final ProxyEngine engine;
    private final EventLoop loop;
    private final ServerSocketChannel server;
    /** The loops to hand connections to, or null to keep them on this loop. */
    private final List<EventLoop> handoff;
    private int nextLoop;
    SelectionKey key;

    Acceptor(ProxyEngine engine, EventLoop loop, ServerSocketChannel server, List<EventLoop> handoff) {
        this.engine = engine;
        this.loop = loop;
        this.server = server;
        this.handoff = handoff;
    }

    @Override
    public void onReady(SelectionKey key, int readyOps) {
        for (int i = 0; i < MAX_ACCEPTS_PER_EVENT; i++) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                backOff(e);
                return;
            }
            if (ch == null) {
                return;
            }
            if (handoff == null) {
                accepted(engine, loop, ch);
            } else {
                EventLoop target = handoff.get(nextLoop);
                nextLoop = (nextLoop + 1) % handoff.size();
                target.execute(() -> accepted(engine, target, ch));
            }
        }
    }

    private void backOff(IOException e) {
        if (loop.mayWarn()) {
            log.warn("accept on {} failed, pausing it for {} ms: {}", server.socket().getLocalSocketAddress(),
                    BACKOFF_MILLIS, e.toString());
        }
        key.interestOps(0);
        loop.timers.schedule(this, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BACKOFF_MILLIS));
    }

    @Override
    void expire(long now) {
        if (key.isValid()) {
            key.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    @Override
    void expireFailed(Throwable cause) {
        onFailure(cause);
    }

    @Override
    public void onFailure(Throwable cause) {
        log.error("acceptor on loop {} failed; it keeps accepting", loop.index, cause);
    }

    /** Sets up a freshly accepted client on its loop: admission, then routing and connect. */
    static void accepted(ProxyEngine engine, EventLoop loop, SocketChannel ch) {
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
        boolean admitted;
        try {
            admitted = engine.hooks.admission().admit(remote.getAddress());
        } catch (RuntimeException e) {
            if (loop.mayWarn()) {
                log.warn("admission check failed for {}; admitting", remote.getAddress().getHostAddress(), e);
            }
            admitted = true;
        }
        if (!admitted) {
            engine.metrics.recordRejected("rate_limited");
            ProxyConnection.closeQuietly(ch);
            return;
        }
        ProxyConnection connection = new ProxyConnection(engine, loop, ch, remote.getAddress());
        engine.connectionOpened();
        try {
            connection.open();
        } catch (Throwable t) {
            if (loop.mayWarn()) {
                log.error("connection of client {} failed while opening", remote.getAddress().getHostAddress(), t);
            }
            connection.close();
        }
    }
}
