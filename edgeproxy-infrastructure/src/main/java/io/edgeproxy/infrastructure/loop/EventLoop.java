package io.edgeproxy.infrastructure.loop;

import io.edgeproxy.infrastructure.loop.internal.EpollProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One selector thread of an {@link EventLoops} group: every non-blocking socket the library opens
 * (client/backend pairs, health probes, warm spares) lives on one loop, and everything about it
 * happens on that loop's thread, so none of it needs a lock. Other threads hand work over with
 * {@link #execute(Runnable)}, as in Netty: {@code if (!loop.inEventLoop()) { loop.execute(task); return; }}.
 *
 * <h2>How one iteration works</h2>
 * Run queued tasks; {@code select(consumer, timeout)} where the timeout is the next timer's deadline
 * (the consumer form builds no selected-key set); close the channels whose keys that select
 * deregistered; expire due timers. A handler, task or timer that throws fails only itself: nothing
 * escapes the loop.
 *
 * <p>Methods marked "loop thread only" must be called on this loop's thread; the others are safe
 * from any thread.
 */
public final class EventLoop implements Executor {

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

    private final int index;
    private final String name;
    private final SelectorProvider provider;
    /** Epoll: closing a registered socket costs nothing more than closing it. */
    private final boolean closesRegisteredAtOnce;
    private final Selector selector;
    /** {@link #dispatch}, made once: a method reference evaluated every turn would allocate every turn. */
    private final java.util.function.Consumer<SelectionKey> dispatcher = this::dispatch;
    private final TimerHeap timers = new TimerHeap();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final LoopThread thread;
    private volatile boolean running = true;
    private boolean nowStale = true;
    private long now = System.nanoTime();
    private Runnable onStop = () -> { };
    /** Told, once, when an {@link Error} the loop cannot survive (out of memory) hits it. */
    private volatile java.util.function.Consumer<Throwable> onFatal = t -> { };
    private boolean fatalReported;
    /** Set by the group under its lock. */
    boolean started;

    /**
     * Channels whose keys were cancelled since the last select, and those the coming select
     * deregisters, with what to do once they are off the selector. Closing a channel that is still
     * registered costs the JDK two more system calls (a SO_LINGER lookup and a shutdown) than
     * closing it once its key is gone, so sockets are closed right after the next select instead
     * (which does not block while any wait).
     */
    private ArrayList<Object> cancelled = new ArrayList<>();
    private ArrayList<Object> deregistering = new ArrayList<>();

    EventLoop(int index, String name, SelectorProvider provider) throws IOException {
        this.index = index;
        this.name = name;
        this.provider = provider;
        this.closesRegisteredAtOnce = provider instanceof EpollProvider;
        this.selector = provider.openSelector();
        this.thread = new LoopThread(this, name);
    }

    /** @return the loop whose thread is calling, or null when called from any other thread */
    public static EventLoop current() {
        Thread t = Thread.currentThread();
        return t instanceof LoopThread ? ((LoopThread) t).loop : null;
    }

    /** @return this loop's position in its group, from 0 */
    public int index() {
        return index;
    }

    /**
     * @return what this loop's selector and sockets are made of ({@link Transport}): a channel
     *         registers only with a selector of its own provider
     */
    public SelectorProvider provider() {
        return provider;
    }

    /** @return whether the calling thread is this loop's */
    public boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on this loop: at once when called from it, else as soon as it wakes. */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (inEventLoop()) {
            task.run();
            return;
        }
        tasks.add(task);
        if (wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Queues {@code task} to run on this loop after the current batch of events, even when called from it. */
    public void executeLater(Runnable task) {
        tasks.add(Objects.requireNonNull(task, "task"));
        if (!inEventLoop() && wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /**
     * Runs {@code task} on this loop after {@code delay}. Safe from any thread.
     *
     * @return a handle to cancel it
     */
    public Scheduled schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        long deadline = System.nanoTime() + Math.max(0, delay.toNanos());
        TaskTimer timer = new TaskTimer(task);
        execute(() -> {
            if (!timer.cancelled) {
                timers.schedule(timer, deadline);
            }
        });
        return timer;
    }

    /** (Re)schedules {@code timer} at {@code deadlineNanos} ({@link System#nanoTime()} based). Loop thread only. */
    public void schedule(LoopTimer timer, long deadlineNanos) {
        timers.schedule(timer, deadlineNanos);
    }

    /** Cancels {@code timer} if it is scheduled. Loop thread only. */
    public void cancel(LoopTimer timer) {
        timers.cancel(timer);
    }

    /** @return the loop's clock: {@link System#nanoTime()} as of the current batch of events. Loop thread only. */
    public long nanoTime() {
        if (nowStale) {
            now = System.nanoTime();
            nowStale = false;
        }
        return now;
    }

    /**
     * Registers {@code channel} (non-blocking) with this loop's selector, or changes the interest and
     * handler of a channel already registered here. Loop thread only.
     */
    public SelectionKey register(SelectableChannel channel, int ops, ChannelHandler handler) throws ClosedChannelException {
        return channel.register(selector, ops, handler);
    }

    /**
     * Connects a new non-blocking socket to {@code address} and calls {@code handler} on this loop
     * once connected, failed, or timed out after {@code timeout}. Safe from any thread; the handler
     * is never called from within this method.
     */
    public void connect(InetSocketAddress address, Duration timeout, ConnectHandler handler) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(handler, "handler");
        long timeoutNanos = timeout.toNanos();
        if (inEventLoop()) {
            new Connect(this, address, handler).start(timeoutNanos);
        } else {
            execute(() -> new Connect(this, address, handler).start(timeoutNanos));
        }
    }

    /**
     * Opens a non-blocking TCP socket with {@code TCP_NODELAY} for connecting to {@code remote}, of
     * the remote address's family: an IPv4 socket for an IPv4 address saves the JDK's
     * {@code IPV6_V6ONLY} system call that a dual-stack socket costs.
     */
    public SocketChannel openSocket(InetSocketAddress remote) throws IOException {
        ProtocolFamily family = remote.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET
                : StandardProtocolFamily.INET6;
        SocketChannel channel = provider.openSocketChannel(family);
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
        return channel;
    }

    /**
     * Closes {@code channel} in the way that costs the fewest system calls: on the JDK's NIO once
     * this loop's selector has deregistered it (right after the next select), or at once when it is
     * not registered here; on epoll at once (the socket leaves the epoll set with its descriptor, no
     * {@code EPOLL_CTL_DEL}). Loop thread only.
     */
    public void closeSoon(SocketChannel channel) {
        SelectionKey key = channel.keyFor(selector);
        if (key == null || closesRegisteredAtOnce) {
            closeQuietly(channel);
            return;
        }
        key.cancel();
        cancelled.add(channel);
    }

    /**
     * Takes {@code channel} off this loop's selector and runs {@code then} once it is no longer
     * registered (after the next select), so it can be handed to another loop. Loop thread only.
     */
    public void deregister(SelectableChannel channel, Runnable then) {
        SelectionKey key = channel.keyFor(selector);
        if (key == null) {
            then.run();
            return;
        }
        key.cancel();
        cancelled.add(then);
    }

    /** Sets what runs on the loop thread when it stops, before its channels are closed. */
    void onStop(Runnable action) {
        this.onStop = action;
    }

    void start() {
        thread.start();
    }

    void stop() {
        execute(() -> running = false);
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    /** After a failed start: the thread never ran, so nobody else will close the selector. */
    void closeSelectorIfNotStarted() {
        if (thread.getState() == Thread.State.NEW) {
            closeQuietly(selector);
        }
    }

    void run() {
        while (running) {
            turn();
        }
        shutdownNow();
    }

    /**
     * One turn of the loop: tasks, one select, timers. A method of its own so that the JIT compiles
     * it after a few hundred turns; the body of {@link #run()}'s endless loop would run in the
     * interpreter until an on-stack replacement, about 15 s into full load with C1 alone.
     */
    private void turn() {
        try {
            runTasks();
            if (!running) {
                return;
            }
            long wait = timers.nanosUntilNext(System.nanoTime());
            nowStale = true;
            ArrayList<Object> swap = deregistering;
            deregistering = cancelled;
            cancelled = swap;
            wakeupPending.set(false);
            if (!tasks.isEmpty() || wait == 0 || !deregistering.isEmpty() || !cancelled.isEmpty()) {
                selector.selectNow(dispatcher);
            } else if (wait < 0) {
                selector.select(dispatcher);
            } else {
                selector.select(dispatcher, Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait + 999_999)));
            }
            nowStale = true;
            finishDeregistered(deregistering);
            timers.runExpired(nanoTime());
        } catch (Throwable t) {
            // Never let anything kill the loop silently: the sockets it owns would be stranded.
            failed(t, "unexpected error");
        }
    }

    private void dispatch(SelectionKey key) {
        ChannelHandler handler = (ChannelHandler) key.attachment();
        if (handler == null) {
            return;
        }
        try {
            if (key.isValid()) {
                handler.onReady(key, key.readyOps());
            }
        } catch (Throwable t) {
            if (isFatal(t)) {
                failed(t, "handler failed");
            }
            try {
                handler.onFailure(t);
            } catch (Throwable again) {
                failed(again, "handler failed while failing");
            }
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (Throwable t) {
                failed(t, "task failed");
            }
        }
    }

    /**
     * An {@link Error} the JVM may not recover from (out of memory, a stack overflow, an internal
     * error): the loop's state can no longer be trusted, so the owner is told and fails closed.
     */
    public static boolean isFatal(Throwable t) {
        return t instanceof VirtualMachineError;
    }

    /** Logs {@code t}; a fatal one is reported to the owner once (the loop itself keeps going until stopped). */
    private void failed(Throwable t, String what) {
        if (!isFatal(t)) {
            log.error("event loop {}: {}, loop continues", name, what, t);
            return;
        }
        if (!fatalReported) {
            fatalReported = true;
            try {
                log.error("event loop {}: {}: {}; the proxy fails closed", name, what, t.toString());
                onFatal.accept(t);
            } catch (Throwable ignored) {
                // out of memory while reporting: the owner may still see it from another loop
            }
        }
    }

    /** Sets who hears the first fatal error of this loop. */
    void onFatal(java.util.function.Consumer<Throwable> handler) {
        this.onFatal = handler;
    }

    private void finishDeregistered(ArrayList<Object> items) {
        for (int i = 0, n = items.size(); i < n; i++) {
            Object o = items.get(i);
            if (o instanceof SocketChannel) {
                closeQuietly((SocketChannel) o);
            } else {
                try {
                    ((Runnable) o).run();
                } catch (Throwable t) {
                    log.error("event loop {}: deregistration callback failed", name, t);
                }
            }
        }
        items.clear();
    }

    private void shutdownNow() {
        runTasks(); // a connection handed over at the last moment opens first, so the stop action closes it too
        try {
            onStop.run();
        } catch (Throwable t) {
            log.error("event loop {}: stop action failed", name, t);
        }
        runTasks();
        closeAllDeregistered(deregistering);
        closeAllDeregistered(cancelled);
        for (SelectionKey key : selector.keys()) {
            closeQuietly(key.channel());
        }
        closeQuietly(selector);
    }

    /** At shutdown the callbacks waiting for a deregistration still run: they own their channels. */
    private void closeAllDeregistered(ArrayList<Object> items) {
        finishDeregistered(items);
    }

    static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            log.trace("close failed", e);
        }
    }

    @Override
    public String toString() {
        return "EventLoop[" + name + "]";
    }

    /** The thread of a loop; {@link #current()} finds its loop without a thread-local. */
    private static final class LoopThread extends Thread {
        final EventLoop loop;

        LoopThread(EventLoop loop, String name) {
            super(name);
            this.loop = loop;
            setDaemon(true);
        }

        @Override
        public void run() {
            loop.run();
        }
    }

    /** A {@link Scheduled} task on the loop's timer heap. */
    private final class TaskTimer extends LoopTimer implements Scheduled {
        private final Runnable task;
        private volatile boolean cancelled;

        TaskTimer(Runnable task) {
            this.task = task;
        }

        @Override
        protected void expire(long now) {
            if (!cancelled) {
                cancelled = true;
                task.run();
            }
        }

        @Override
        protected void expireFailed(Throwable cause) {
            failed(cause, "scheduled task failed");
        }

        @Override
        public void cancel() {
            if (!cancelled) {
                cancelled = true;
                execute(() -> timers.cancel(this));
            }
        }
    }

    /** One non-blocking connect with its timeout. */
    private static final class Connect extends LoopTimer implements ChannelHandler {
        private final EventLoop loop;
        private final InetSocketAddress address;
        private final ConnectHandler handler;
        private SocketChannel channel;
        private long startedAt;
        private boolean done;

        Connect(EventLoop loop, InetSocketAddress address, ConnectHandler handler) {
            this.loop = loop;
            this.address = address;
            this.handler = handler;
        }

        void start(long timeoutNanos) {
            startedAt = System.nanoTime();
            try {
                channel = loop.openSocket(address);
                boolean connected = channel.connect(address);
                if (!connected && address.getAddress().isLoopbackAddress()) {
                    // A loopback handshake completes inside connect(), though Linux reports it in
                    // progress (as the proxy's own connects): no select round, no OP_CONNECT.
                    connected = channel.finishConnect();
                }
                loop.register(channel, connected ? 0 : SelectionKey.OP_CONNECT, connected ? null : this);
                if (connected) {
                    done = true;
                    loop.executeLater(() -> handler.connected(channel, System.nanoTime() - startedAt));
                    return;
                }
                loop.schedule(this, startedAt + timeoutNanos);
            } catch (IOException | RuntimeException e) {
                IOException cause = e instanceof IOException ? (IOException) e : new IOException(e.toString(), e);
                fail(cause, true);
            }
        }

        @Override
        public void onReady(SelectionKey key, int readyOps) {
            if (done) {
                return;
            }
            try {
                if (!channel.finishConnect()) {
                    return;
                }
            } catch (IOException e) {
                loop.cancel(this);
                fail(e, false);
                return;
            }
            loop.cancel(this);
            done = true;
            key.interestOps(0);
            key.attach(null);
            handler.connected(channel, System.nanoTime() - startedAt);
        }

        @Override
        public void onFailure(Throwable cause) {
            loop.cancel(this);
            fail(new IOException(cause.toString(), cause), false);
        }

        @Override
        protected void expire(long now) {
            fail(new IOException("connect timed out after " + TimeUnit.NANOSECONDS.toMillis(now - startedAt) + " ms"), false);
        }

        @Override
        protected void expireFailed(Throwable cause) {
            log.error("event loop: connect handler failed", cause);
        }

        private void fail(IOException cause, boolean later) {
            if (done) {
                return;
            }
            done = true;
            if (channel != null) {
                loop.closeSoon(channel);
            }
            if (later) {
                loop.executeLater(() -> handler.failed(cause));
            } else {
                handler.failed(cause);
            }
        }
    }
}
