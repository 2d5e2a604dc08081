package io.edgeproxy.infrastructure.proxy.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * One selector thread. Everything about a connection pair happens on the loop that owns it, so
 * the data path takes no lock. Other threads hand work over with {@link #execute(Runnable)}.
 *
 * <p>How one iteration works: run queued tasks; {@code select(consumer, timeout)} where the
 * timeout is the next timer's deadline (the consumer form builds no selected-key set); expire due
 * timers. A handler that throws fails its own connection only; nothing escapes the loop.
 */
final class EventLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    final int index;
    final Selector selector;
    final TimerHeap timers = new TimerHeap();
    final BufferPool buffers;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private boolean nowStale = true;
    private long now = System.nanoTime();
    private long lastWarnNanos = now - WARN_INTERVAL_NANOS;

    /** Head of the intrusive list of this loop's open connections. */
    private ProxyConnection head;

    /**
     * Channels whose keys were cancelled since the last select, and those the coming select
     * deregisters. Closing a channel that is still registered costs the JDK two more system calls
     * (a SO_LINGER lookup and a shutdown) than closing it once its key is gone, so a connection's
     * sockets are closed right after the next select instead (which does not block while any wait).
     */
    private ArrayList<SocketChannel> cancelled = new ArrayList<>();
    private ArrayList<SocketChannel> deregistering = new ArrayList<>();

    EventLoop(int index, int bufferSize, int retainedBuffers) throws IOException {
        this.index = index;
        this.selector = Selector.open();
        this.buffers = new BufferPool(bufferSize, retainedBuffers);
        this.thread = new Thread(this, "edgeproxy-loop-" + index);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** After a failed start: the thread never ran, so nobody else will close the selector. */
    void closeSelectorIfNotStarted() {
        if (!thread.isAlive() && thread.getState() == Thread.State.NEW) {
            try {
                selector.close();
            } catch (IOException e) {
                log.debug("event loop {}: closing the selector failed", index, e);
            }
        }
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on this loop: now if called from it, else as soon as it wakes. */
    void execute(Runnable task) {
        if (inLoop()) {
            task.run();
            return;
        }
        tasks.add(task);
        selector.wakeup();
    }

    /** @return the loop's clock: {@link System#nanoTime()} as of the current batch of events */
    long now() {
        if (nowStale) {
            now = System.nanoTime();
            nowStale = false;
        }
        return now;
    }

    /** @return whether a warning may be logged now (at most one per second per loop) */
    boolean mayWarn() {
        long t = now();
        if (t - lastWarnNanos >= WARN_INTERVAL_NANOS) {
            lastWarnNanos = t;
            return true;
        }
        return false;
    }

    @Override
    public void run() {
        while (running) {
            try {
                runTasks();
                if (!running) {
                    break;
                }
                long wait = timers.nanosUntilNext(System.nanoTime());
                nowStale = true;
                ArrayList<SocketChannel> swap = deregistering;
                deregistering = cancelled;
                cancelled = swap;
                if (!tasks.isEmpty() || wait == 0 || !deregistering.isEmpty() || !cancelled.isEmpty()) {
                    selector.selectNow(this::dispatch);
                } else if (wait < 0) {
                    selector.select(this::dispatch);
                } else {
                    selector.select(this::dispatch, Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait + 999_999)));
                }
                nowStale = true;
                closeAll(deregistering);
                timers.runExpired(now());
            } catch (Throwable t) {
                // Never let anything kill the loop: the connections it owns would be stranded.
                log.error("event loop {}: unexpected error, loop continues", index, t);
            }
        }
        shutdownNow();
    }

    private void dispatch(SelectionKey key) {
        IoHandler handler = (IoHandler) key.attachment();
        try {
            if (key.isValid()) {
                handler.onReady(key, key.readyOps());
            }
        } catch (Throwable t) {
            handler.onFailure(t);
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (Throwable t) {
                log.error("event loop {}: task failed", index, t);
            }
        }
    }

    /** Closes {@code ch} once this loop's selector has deregistered it (right after the next select). */
    void closeSoon(SocketChannel ch) {
        SelectionKey key = ch.keyFor(selector);
        if (key == null) {
            ProxyConnection.closeQuietly(ch);
            return;
        }
        key.cancel();
        cancelled.add(ch);
    }

    private static void closeAll(ArrayList<SocketChannel> channels) {
        for (int i = 0, n = channels.size(); i < n; i++) {
            ProxyConnection.closeQuietly(channels.get(i));
        }
        channels.clear();
    }

    void add(ProxyConnection c) {
        c.next = head;
        if (head != null) {
            head.prev = c;
        }
        head = c;
    }

    void remove(ProxyConnection c) {
        if (c.prev != null) {
            c.prev.next = c.next;
        } else if (head == c) {
            head = c.next;
        }
        if (c.next != null) {
            c.next.prev = c.prev;
        }
        c.prev = null;
        c.next = null;
    }

    /** Asks the loop to close everything it owns and end. */
    void stop() {
        execute(() -> running = false);
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    private void shutdownNow() {
        runTasks();
        while (head != null) {
            ProxyConnection c = head;
            c.close();
            if (head == c) {
                remove(c);
            }
        }
        closeAll(deregistering);
        closeAll(cancelled);
        for (SelectionKey key : selector.keys()) {
            try {
                key.channel().close();
            } catch (IOException e) {
                log.debug("event loop {}: closing a channel failed", index, e);
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            log.debug("event loop {}: closing the selector failed", index, e);
        }
    }
}
