package io.edgeproxy.infrastructure.loop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A group of {@link EventLoop}s: the one place where the library's non-blocking sockets live. The
 * proxy makes one group of {@code EDGEPROXY_EVENT_LOOPS} loops and runs its connections, health
 * probes and warm-spare connects on it; a component used on its own (a {@code HealthChecker}
 * without a proxy) makes a group of one loop.
 *
 * <pre>{@code
 * try (EventLoops loops = EventLoops.start(2, "edgeproxy-loop")) {
 *     EventLoop loop = loops.next();
 *     loop.schedule(Duration.ofSeconds(1), () -> System.out.println("tick"));
 *     loop.connect(new InetSocketAddress("127.0.0.1", 8080), Duration.ofSeconds(2), handler);
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops every loop and closes every channel still registered.
 */
public final class EventLoops implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventLoops.class);
    /** The most loops a group may have: a bound that keeps a typo from starting a million threads. */
    public static final int MAX_LOOPS = 1024;

    private final List<EventLoop> loops;
    private final Transport transport;
    private final AtomicInteger next = new AtomicInteger();
    private boolean closed;

    private EventLoops(List<EventLoop> loops, Transport transport) {
        this.loops = loops;
        this.transport = transport;
    }

    /**
     * Starts {@code count} loops, threads named {@code namePrefix-0}, {@code namePrefix-1}, ...
     *
     * @throws IllegalArgumentException when count is not between 1 and {@value #MAX_LOOPS}
     * @throws UncheckedIOException     when a selector cannot be opened
     */
    public static EventLoops start(int count, String namePrefix) {
        EventLoops group = create(count, namePrefix, Transport.defaultTransport());
        group.startAll();
        return group;
    }

    /**
     * Creates the loops without starting their threads (the proxy registers its listeners first).
     *
     * @throws IllegalStateException when {@code transport} is {@link Transport#EPOLL} and epoll is
     *                               not available here (the message says why)
     */
    public static EventLoops create(int count, String namePrefix, Transport transport) {
        if (count < 1 || count > MAX_LOOPS) {
            throw new IllegalArgumentException("event loops must be between 1 and " + MAX_LOOPS + ", but was " + count);
        }
        SelectorProvider provider = transport.provider();
        List<EventLoop> created = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                created.add(new EventLoop(i, namePrefix + "-" + i, provider));
            }
        } catch (IOException e) {
            created.forEach(EventLoop::closeSelectorIfNotStarted);
            throw new UncheckedIOException("cannot open a selector for event loop " + created.size() + ": " + e.getMessage(), e);
        }
        return new EventLoops(List.copyOf(created), transport.resolved());
    }

    /** @return the transport the loops run on: {@link Transport#EPOLL} or {@link Transport#NIO} */
    public Transport transport() {
        return transport;
    }

    /** @return what the loops' selectors and sockets are made of: a channel registers only with its own provider's */
    public SelectorProvider provider() {
        return loops.get(0).provider();
    }

    /** Starts the threads of loops made by {@link #create}. Idempotent. */
    public synchronized void startAll() {
        if (closed) {
            throw new IllegalStateException("event loops closed");
        }
        for (EventLoop loop : loops) {
            if (!loop.started) {
                loop.started = true;
                loop.start();
            }
        }
    }

    /** @return how many loops the group has */
    public int size() {
        return loops.size();
    }

    /** @return loop {@code index}, from 0 */
    public EventLoop get(int index) {
        return loops.get(index);
    }

    /** @return the loops, round-robin: spreads probes and connects over the group */
    public EventLoop next() {
        int n = loops.size();
        return n == 1 ? loops.get(0) : loops.get(Math.floorMod(next.getAndIncrement(), n));
    }

    /** @return every loop, in index order */
    public List<EventLoop> all() {
        return loops;
    }

    /**
     * Sets, for each loop, what runs on its thread when it stops, before its remaining channels are
     * closed (the proxy closes its connections there).
     */
    public void onStop(IntFunction<Runnable> actionPerLoop) {
        for (EventLoop loop : loops) {
            loop.onStop(actionPerLoop.apply(loop.index()));
        }
    }

    /**
     * Sets who hears a fatal {@link Error} (out of memory, a stack overflow) on any loop: once per
     * loop, on that loop's thread. The loop logs it and carries on until stopped; its owner decides
     * (the proxy fails closed: it stops accepting and reports {@code FAILED}).
     */
    public void onFatal(java.util.function.Consumer<Throwable> handler) {
        for (EventLoop loop : loops) {
            loop.onFatal(handler);
        }
    }

    /**
     * Stops every loop, in index order, waiting up to 5 seconds for each; each closes what is still
     * registered with it. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            for (EventLoop loop : loops) {
                if (loop.started) {
                    if (loop.inEventLoop()) {
                        loop.stop(); // closing from a loop's own thread: it ends after this task
                        continue;
                    }
                    loop.stop();
                    loop.join(TimeUnit.SECONDS.toMillis(5));
                } else {
                    loop.closeSelectorIfNotStarted();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while stopping the event loops");
        }
    }

    @Override
    public String toString() {
        return "EventLoops[" + loops.size() + "]";
    }
}
