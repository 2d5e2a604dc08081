package io.edgeproxy.infrastructure.pool.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Non-blocking connects for the warmer thread: many backends are connected at once, and a
 * black-holed one costs a timer, not a blocked thread.
 *
 * <p>A connect that completes becomes an idle connection of its {@link BackendPool}, but only after
 * its key was cancelled <em>and flushed</em> by a {@code selectNow()}: a warm channel handed to a
 * proxy event loop is registered with no selector at all. Used by one thread only, except
 * {@link #wakeup()}.
 */
public final class WarmConnector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WarmConnector.class);

    private final Selector selector;
    private final List<Pending> pending = new ArrayList<>();
    private final List<Pending> done = new ArrayList<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final long retryDelayNanos;

    /** @param retryDelayNanos how long a backend whose warm connect failed is left alone */
    public WarmConnector(long retryDelayNanos) {
        this.retryDelayNanos = retryDelayNanos;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("connection pool warmer: cannot open a selector", e);
        }
    }

    private static final class Pending {
        final BackendPool pool;
        final SocketChannel channel;
        final InetSocketAddress to;
        final long deadline;
        SelectionKey key;
        boolean over;      // connected (waiting in done) or failed

        Pending(BackendPool pool, SocketChannel channel, InetSocketAddress to, long deadline) {
            this.pool = pool;
            this.channel = channel;
            this.to = to;
            this.deadline = deadline;
        }
    }

    /** Starts connecting a spare for {@code pool}, whose slot the caller has reserved. */
    public void connect(BackendPool pool, InetSocketAddress to, long timeoutNanos) {
        pool.connectStarted();
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Pending p = new Pending(pool, ch, to, System.nanoTime() + timeoutNanos);
            if (ch.connect(to)) {
                p.over = true;
                done.add(p);
            } else {
                p.key = ch.register(selector, SelectionKey.OP_CONNECT, p);
                pending.add(p);
            }
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                BackendPool.closeQuietly(ch);
            }
            failed(pool, to, e.toString());
        }
    }

    /**
     * Waits for connect events up to {@code maxWaitNanos} (or a {@link #wakeup()}), times out the
     * overdue connects, and publishes the finished ones as idle connections.
     */
    public void await(long maxWaitNanos) throws IOException {
        long wait = maxWaitNanos;
        long now = System.nanoTime();
        for (Pending p : pending) {
            wait = Math.min(wait, p.deadline - now);
        }
        wakeupPending.set(false);
        if (!done.isEmpty() || wait <= 0) {
            selector.selectNow(this::onConnectable);
        } else {
            selector.select(this::onConnectable, Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait + 999_999)));
        }
        now = System.nanoTime();
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.over) {
                it.remove();
            } else if (p.deadline - now <= 0) {
                it.remove();
                p.key.cancel();
                BackendPool.closeQuietly(p.channel);
                failed(p.pool, p.to, "connect timed out");
            }
        }
        if (!done.isEmpty()) {
            selector.selectNow(); // flushes the cancelled keys: the channels leave this selector
            for (Pending p : done) {
                publish(p);
            }
            done.clear();
        }
    }

    private void onConnectable(SelectionKey key) {
        Pending p = (Pending) key.attachment();
        try {
            if (p.channel.finishConnect()) {
                key.cancel();
                p.over = true;
                done.add(p);
            }
        } catch (IOException e) {
            key.cancel();
            p.over = true;
            BackendPool.closeQuietly(p.channel);
            failed(p.pool, p.to, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private void publish(Pending p) {
        p.pool.connectEnded();
        if (p.channel.isRegistered()) {
            // cannot happen after the flush; never hand out a registered channel
            BackendPool.closeQuietly(p.channel);
            p.pool.unreserve();
            return;
        }
        if (p.pool.warmSucceeded()) {
            log.info("connection pool: warm connections to backend {} ({}) work again", p.pool.id(), p.to);
        }
        p.pool.addIdle(p.pool.created(p.channel, p.to));
    }

    private void failed(BackendPool pool, InetSocketAddress to, String why) {
        pool.connectEnded();
        pool.unreserve();
        if (pool.warmFailed(System.nanoTime() + retryDelayNanos)) {
            log.warn("connection pool: cannot warm backend {} ({}): {}; retrying every {} ms", pool.id(), to, why,
                    TimeUnit.NANOSECONDS.toMillis(retryDelayNanos));
        } else {
            log.debug("connection pool: cannot warm backend {} ({}): {}", pool.id(), to, why);
        }
    }

    private static void abandon(Pending p) {
        BackendPool.closeQuietly(p.channel);
        p.pool.connectEnded();
        p.pool.unreserve();
    }

    /** Ends the current or next {@link #await} early. Safe from any thread; never blocks for long. */
    public void wakeup() {
        if (wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Abandons every connect in progress and closes the selector. */
    @Override
    public void close() {
        for (Pending p : pending) {
            if (!p.over) {
                abandon(p);
            }
        }
        for (Pending p : done) {
            abandon(p);
        }
        pending.clear();
        done.clear();
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
