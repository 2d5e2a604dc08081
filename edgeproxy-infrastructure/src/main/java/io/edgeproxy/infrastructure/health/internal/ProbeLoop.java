package io.edgeproxy.infrastructure.health.internal;

import io.edgeproxy.infrastructure.health.HealthCheckType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One thread, one {@link Selector}: runs the health probes of any number of backends with
 * non-blocking connects, writes and reads, plus the timers that schedule them.
 *
 * <h2>How it works</h2>
 * One iteration: run the queued tasks, select with a timeout equal to the next timer's deadline
 * (the JDK 11 {@code select(Consumer, timeout)} form, which builds no selected-key set), run the due
 * timers. Other threads only talk to the loop through {@link #execute} (a queue plus one
 * {@code wakeup()}); timers, probes and everything they touch belong to the loop thread. An
 * exception in a task, timer or probe is logged and never ends the loop.
 *
 * <p>Probes: a TCP probe passes when the connect completes. An HTTP probe then writes one
 * {@code GET} with {@code Host} and {@code Connection: close}, reads until the end of the status line
 * (never more than {@link #MAX_STATUS_LINE} bytes), compares the status code and closes. Every probe
 * has a timer for its timeout.
 *
 * <p>{@link #shared()} hands out one process-wide loop, reference counted: the thread starts with
 * the first user and ends with the last {@link #release()}.
 */
public final class ProbeLoop {

    private static final Logger log = LoggerFactory.getLogger(ProbeLoop.class);

    /** The most bytes read from an HTTP response, looking for the end of the status line. */
    public static final int MAX_STATUS_LINE = 4096;

    private static final Object SHARED_LOCK = new Object();
    private static ProbeLoop shared;
    private static int sharedUsers;
    private static int generation;

    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private volatile boolean running = true;
    private long timerSequence;

    private ProbeLoop(String threadName) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("health probe loop: cannot open a selector", e);
        }
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** @return the shared loop, started if needed; every call must be paired with {@link #release()} */
    public static ProbeLoop shared() {
        synchronized (SHARED_LOCK) {
            if (shared == null) {
                shared = new ProbeLoop("edgeproxy-health-probe-" + (++generation));
            }
            sharedUsers++;
            return shared;
        }
    }

    /** Gives back a {@link #shared()} reference; the last one stops the loop's thread. */
    public void release() {
        synchronized (SHARED_LOCK) {
            if (shared != this || sharedUsers == 0) {
                return;
            }
            if (--sharedUsers == 0) {
                shared = null;
                running = false;
                selector.wakeup();
            }
        }
    }

    /** @return whether the calling thread is this loop's */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** @return the loop's thread (for tests and diagnostics) */
    public Thread thread() {
        return thread;
    }

    /** Runs {@code task} on the loop thread, soon. Safe from any thread. */
    public void execute(Runnable task) {
        tasks.add(task);
        if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Runs {@code task} on the loop after {@code delayNanos}. Loop thread only. */
    public Timer schedule(long delayNanos, Runnable task) {
        assert inLoop();
        Timer t = new Timer(System.nanoTime() + Math.max(0, delayNanos), timerSequence++, task);
        timers.add(t);
        return t;
    }

    /**
     * Starts one probe. Loop thread only; the callback runs on the loop thread, once, never from
     * within this call.
     *
     * @return a handle whose {@link Probe#cancel()} abandons the probe silently
     */
    public Probe probe(InetSocketAddress address, HealthCheckType type, long timeoutNanos, ProbeCallback callback) {
        assert inLoop();
        Probe p = new Probe(address, type, timeoutNanos, callback);
        p.start();
        return p;
    }

    private void run() {
        log.debug("health probe loop {} started", thread.getName());
        while (running) {
            try {
                runTasks();
                long wait = nextTimerDelay();
                wakeupPending.set(false);
                if (!tasks.isEmpty() || wait == 0) {
                    selector.selectNow(this::onReady);
                } else {
                    // wait < 0 means no timer: block until a wakeup
                    selector.select(this::onReady, wait < 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait + 999_999)));
                }
                runTimers();
            } catch (Throwable e) {
                log.error("health probe loop {}: unexpected error, continuing", thread.getName(), e);
            }
        }
        runTasks();
        for (SelectionKey key : selector.keys()) {
            closeQuietly(key.channel());
        }
        closeQuietly(selector);
        log.debug("health probe loop {} stopped", thread.getName());
    }

    private void runTasks() {
        Runnable r;
        while ((r = tasks.poll()) != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("health probe loop: a task failed", e);
            }
        }
    }

    /** @return 0 when a timer is due, -1 when there is none, else the nanoseconds to the next one */
    private long nextTimerDelay() {
        Timer t;
        while ((t = timers.peek()) != null && t.cancelled) {
            timers.poll();
        }
        if (t == null) {
            return -1;
        }
        return Math.max(0, t.deadline - System.nanoTime());
    }

    private void runTimers() {
        long now = System.nanoTime();
        Timer t;
        while ((t = timers.peek()) != null && (t.cancelled || t.deadline - now <= 0)) {
            timers.poll();
            if (!t.cancelled) {
                t.cancelled = true;
                try {
                    t.task.run();
                } catch (RuntimeException e) {
                    log.warn("health probe loop: a timer failed", e);
                }
            }
        }
    }

    private void onReady(SelectionKey key) {
        Probe p = (Probe) key.attachment();
        try {
            p.onReady(key);
        } catch (IOException e) {
            p.fail(describe(e));
        } catch (RuntimeException e) {
            p.fail("probe error: " + e);
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.toLowerCase(java.util.Locale.ROOT);
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing useful to do
        }
    }

    /** A task due at a deadline. Loop thread only. */
    public static final class Timer implements Comparable<Timer> {
        final long deadline;
        final long sequence;
        final Runnable task;
        boolean cancelled;

        Timer(long deadline, long sequence, Runnable task) {
            this.deadline = deadline;
            this.sequence = sequence;
            this.task = task;
        }

        /** Stops the task from running, if it has not run yet. Loop thread only. */
        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer o) {
            long d = deadline - o.deadline;
            return d != 0 ? (d < 0 ? -1 : 1) : Long.compare(sequence, o.sequence);
        }
    }

    /** One probe in flight. Loop thread only. */
    public final class Probe {
        private final InetSocketAddress address;
        private final HealthCheckType type;
        private final long timeoutNanos;
        private final ProbeCallback callback;
        private final long startedAt = System.nanoTime();
        private SocketChannel channel;
        private SelectionKey key;
        private Timer timeout;
        private ByteBuffer request;
        private ByteBuffer response;
        private boolean done;

        Probe(InetSocketAddress address, HealthCheckType type, long timeoutNanos, ProbeCallback callback) {
            this.address = address;
            this.type = type;
            this.timeoutNanos = timeoutNanos;
            this.callback = callback;
        }

        void start() {
            timeout = schedule(timeoutNanos, () -> fail("timed out after "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"));
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                boolean connected = channel.connect(address);
                key = channel.register(selector, connected ? 0 : SelectionKey.OP_CONNECT, this);
                if (connected) {
                    execute(() -> {
                        try {
                            onConnected();
                        } catch (IOException e) {
                            fail(describe(e));
                        }
                    });
                }
            } catch (IOException | RuntimeException e) {
                String why = e instanceof IOException ? describe((IOException) e) : "cannot connect: " + e;
                execute(() -> fail(why)); // never call back from within probe()
            }
        }

        /** Abandons the probe: closes its socket, and the callback is never called. */
        public void cancel() {
            if (!done) {
                done = true;
                cleanup();
            }
        }

        void onReady(SelectionKey k) throws IOException {
            if (done) {
                return;
            }
            if (k.isConnectable()) {
                channel.finishConnect();
                onConnected();
                return;
            }
            if (k.isWritable()) {
                write();
            }
            if (!done && k.isReadable()) {
                read();
            }
        }

        private void onConnected() throws IOException {
            if (done) {
                return;
            }
            if (type instanceof HealthCheckType.Http) {
                request = ByteBuffer.wrap(httpRequest((HealthCheckType.Http) type, address));
                response = ByteBuffer.allocate(MAX_STATUS_LINE);
                write();
            } else {
                pass();
            }
        }

        private void write() throws IOException {
            channel.write(request);
            key.interestOps(request.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        private void read() throws IOException {
            int n = channel.read(response);
            int end = lineEnd(response);
            if (end >= 0) {
                checkStatus(new String(response.array(), 0, end, StandardCharsets.ISO_8859_1));
            } else if (n < 0) {
                fail(response.position() == 0 ? "connection closed without a response"
                        : "connection closed before the end of the status line");
            } else if (!response.hasRemaining()) {
                fail("no status line within " + MAX_STATUS_LINE + " bytes");
            }
        }

        private void checkStatus(String line) {
            // HTTP/1.1 200 OK
            int expected = ((HealthCheckType.Http) type).expectedStatus();
            if (!line.startsWith("HTTP/") || line.indexOf(' ') < 0) {
                fail("not an HTTP response: \"" + printable(line) + "\"");
                return;
            }
            int sp = line.indexOf(' ');
            int status = -1;
            if (line.length() >= sp + 4) {
                try {
                    status = Integer.parseInt(line.substring(sp + 1, sp + 4));
                } catch (NumberFormatException e) {
                    status = -1;
                }
            }
            if (status < 100 || status > 599 || (line.length() > sp + 4 && line.charAt(sp + 4) != ' ')) {
                fail("malformed status line: \"" + printable(line) + "\"");
            } else if (status != expected) {
                fail("HTTP " + status + ", expected " + expected);
            } else {
                pass();
            }
        }

        private void pass() {
            if (!done) {
                done = true;
                cleanup();
                callback.passed(System.nanoTime() - startedAt);
            }
        }

        void fail(String error) {
            if (!done) {
                done = true;
                cleanup();
                callback.failed(error);
            }
        }

        private void cleanup() {
            if (timeout != null) {
                timeout.cancel();
            }
            if (key != null) {
                key.cancel();
            }
            if (channel != null) {
                closeQuietly(channel);
            }
        }
    }

    /** @return the request bytes of an HTTP probe: GET, Host (IPv6 in brackets), Connection: close */
    static byte[] httpRequest(HealthCheckType.Http http, InetSocketAddress address) {
        return ("GET " + http.path() + " HTTP/1.1\r\n"
                + "Host: " + hostHeader(address) + "\r\n"
                + "User-Agent: edgeproxy-health-check\r\n"
                + "Accept: */*\r\n"
                + "Connection: close\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** @return {@code 10.0.0.1:8080} or {@code [fd00::1]:8080}; never a DNS lookup */
    public static String hostHeader(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host;
        if (ip == null) {
            host = address.getHostString();
        } else {
            host = ip.getHostAddress();
            int scope = host.indexOf('%');
            if (scope >= 0) {
                host = host.substring(0, scope);
            }
            if (ip instanceof Inet6Address) {
                host = "[" + host + "]";
            }
        }
        return host + ":" + address.getPort();
    }

    /** @return the index of the end of the first line (its CR, or LF when bare), or -1 */
    private static int lineEnd(ByteBuffer b) {
        byte[] a = b.array();
        for (int i = 0; i < b.position(); i++) {
            if (a[i] == '\n') {
                return i > 0 && a[i - 1] == '\r' ? i - 1 : i;
            }
        }
        return -1;
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < 60; i++) {
            char c = s.charAt(i);
            out.append(c >= ' ' && c < 0x7F ? c : '?');
        }
        return out.toString();
    }
}
