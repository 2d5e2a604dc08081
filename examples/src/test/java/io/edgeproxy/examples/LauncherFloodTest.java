package io.edgeproxy.examples;

import io.edgeproxy.domain.testing.Eventually;
import io.edgeproxy.infrastructure.config.EdgeProxySettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The standalone launcher in a child JVM with a small heap, flooded by connections from distinct
 * source addresses (127.1.0.1 upward: Linux routes all of 127.0.0.0/8 to the loopback interface):
 * each connects, sends a byte, reads the echo and closes. Meanwhile a normal client on 127.0.0.1
 * keeps doing round trips and must never fail nor lose its backend. The child's heap after a full
 * GC ({@code jcmd GC.run}, {@code GC.heap_info}) is sampled at 25, 50, 75 and 100 % of the flood
 * and must stay flat once the bindings table is at its cap.
 *
 * <p>{@code -Dedgeproxy.flood.connections=1000000} runs the full million (docs/operations.md has
 * the figures); the default keeps the build fast while still going well past the bindings cap.
 * {@code -Dedgeproxy.flood.jvmOptions} sets the child's JVM options.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class LauncherFloodTest {

    private static final int CONNECTIONS = Integer.getInteger("edgeproxy.flood.connections", 150_000);
    private static final int IN_FLIGHT = Integer.getInteger("edgeproxy.flood.inFlight", 200);
    private static final String JVM_OPTIONS = System.getProperty("edgeproxy.flood.jvmOptions",
            "-XX:+UseSerialGC -Xms64m -Xmx64m");
    private static final int BINDING_CAP = EdgeProxySettings.DEFAULT_BINDING_MAX_ENTRIES;
    /** A binding's size, generously (measured: about 90 bytes with an IPv4 key). */
    private static final long BYTES_PER_BINDING = 128;
    /** What the heap may move between two samples for reasons other than bindings. */
    private static final long HEAP_SLACK = 3L * 1024 * 1024;
    /** A flood connection taking longer than this from connect to close counts as failed. */
    private static final long CONNECTION_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(15);

    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private Process child;

    @AfterEach
    void tearDown() throws Exception {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void aFloodOfDistinctSourceAddressesKeepsTheHeapFlatAndANormalClientServedThroughout() throws Exception {
        EchoBackends backends = new EchoBackends();
        resources.add(backends);
        InetSocketAddress proxy = launch(backends.port('A'), backends.port('B'));
        NormalClient normal = new NormalClient(proxy);
        resources.add(normal);
        Eventually.await(Duration.ofSeconds(10), "the normal client is served", () -> normal.served.get() > 0,
                () -> normal.report() + "\n" + childLog());

        Flood flood = new Flood(proxy, CONNECTIONS, IN_FLIGHT);
        long[] marks = {CONNECTIONS / 4, CONNECTIONS / 2, 3L * CONNECTIONS / 4, CONNECTIONS};
        long[] heap = new long[marks.length];
        long floodNanos = 0;
        for (int i = 0; i < marks.length; i++) {
            long started = System.nanoTime();
            flood.runUntil(marks[i]);
            floodNanos += System.nanoTime() - started;
            assertThat(child.isAlive()).as(childLog()).isTrue();
            heap[i] = heapUsedAfterGc();
        }
        normal.stop();

        double seconds = floodNanos / 1e9;
        String figures = String.format("flood: %,d connections from distinct addresses in %.1f s (%,.0f/s), %,d failed;"
                        + " child %s; heap used after GC at 25/50/75/100%%: %s KiB; child RSS %s;"
                        + " normal client: %,d round trips, %,d failed, backends %s",
                flood.completed, seconds, flood.completed / seconds, flood.failed, JVM_OPTIONS,
                Arrays.toString(Arrays.stream(heap).map(b -> b / 1024).toArray()), rss(),
                normal.served.get(), normal.failed.get(), normal.backends);
        System.out.println(figures);
        Files.writeString(Path.of("target", "flood-figures.txt"), figures + "\n");

        assertThat(flood.failed).as(flood.failures.toString()).isZero();
        assertThat(normal.failed.get()).as(normal.report()).isZero();
        assertThat(normal.backends).as("the normal client keeps its binding through the flood").hasSize(1);
        assertThat(child.isAlive()).as(childLog()).isTrue();
        // Flat: from the second sample on, the heap grows by no more than the bindings still to come
        // before the cap, and not at all once at the cap.
        for (int i = 2; i < marks.length; i++) {
            long bindingsAdded = Math.min(BINDING_CAP, marks[i]) - Math.min(BINDING_CAP, marks[1]);
            assertThat(heap[i]).as(figures).isLessThanOrEqualTo(heap[1] + bindingsAdded * BYTES_PER_BINDING + HEAP_SLACK);
        }
        assertThat(childLog()).doesNotContain("OutOfMemoryError", "ERROR");
    }

    /** Starts the launcher in a child JVM in front of the two backends; returns where it listens. */
    private InetSocketAddress launch(int portA, int portB) throws Exception {
        Path config = dir.resolve("backends.toml");
        Files.writeString(config, String.join("\n",
                backend("a", portA), backend("b", portB)));
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", freePort());
        ProcessBuilder pb = new ProcessBuilder(ChildLauncher.command(Arrays.asList(JVM_OPTIONS.trim().split("\\s+"))))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("EDGEPROXY_LISTEN_ADDR", "127.0.0.1:" + address.getPort());
        env.put("EDGEPROXY_CONFIG_PATH", config.toString());
        // Per-client state of the limiter too, at its defaults (100 a second, burst 10 per address).
        env.put("EDGEPROXY_RATE_LIMIT_ENABLED", "true");
        child = pb.start();
        Eventually.await(Duration.ofSeconds(30), "the launcher listens",
                () -> childLog().contains("edgeproxy listening on"), this::childLog);
        return address;
    }

    private static String backend(String id, int port) {
        return String.join("\n", "[[backends]]", "id = \"" + id + "\"", "app = \"flood\"", "region = \"sa\"",
                "country = \"BR\"", "wg_ip = \"127.0.0.1\"", "port = " + port,
                "soft_limit = 100000", "hard_limit = 100000", "");
    }

    private String childLog() {
        try {
            return Files.readString(dir.resolve("child.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The child's used heap, in bytes, right after a full GC. */
    private long heapUsedAfterGc() throws Exception {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        // Serial/Parallel: one line per generation; G1: one "garbage-first heap" line.
        Matcher m = Pattern.compile("(?:generation|heap)\\s+total \\d+K, used (\\d+)K").matcher(info);
        long used = 0;
        boolean found = false;
        while (m.find()) {
            used += Long.parseLong(m.group(1)) * 1024;
            found = true;
        }
        assertThat(found).as(info).isTrue();
        return used;
    }

    private String jcmd(String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(child.pid()), command)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(out).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private String rss() {
        try {
            return Files.readAllLines(Path.of("/proc", String.valueOf(child.pid()), "status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).map(l -> l.substring(6).trim()).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    /**
     * Two echo backends on one NIO thread: each reads the client's byte, answers it and its own tag
     * ('A' or 'B'), and closes first (so the TIME_WAITs are the backends' own, never in the way of the
     * proxy's next connect from a reused local port).
     */
    private static final class EchoBackends implements AutoCloseable {
        private final Selector selector = Selector.open();
        private final ServerSocketChannel a = listen('A');
        private final ServerSocketChannel b = listen('B');
        private final Thread thread = new Thread(this::serve, "echo-backends");
        private volatile boolean running = true;

        EchoBackends() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        private ServerSocketChannel listen(char tag) throws IOException {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT, tag);
            return server;
        }

        int port(char tag) throws IOException {
            return ((InetSocketAddress) (tag == 'A' ? a : b).getLocalAddress()).getPort();
        }

        private void serve() {
            ByteBuffer in = ByteBuffer.allocate(16);
            while (running) {
                try {
                    selector.select(key -> {
                        try {
                            if (key.isAcceptable()) {
                                SocketChannel ch;
                                while ((ch = ((ServerSocketChannel) key.channel()).accept()) != null) {
                                    ch.configureBlocking(false);
                                    ch.register(selector, SelectionKey.OP_READ, key.attachment());
                                }
                            } else if (key.isReadable()) {
                                SocketChannel ch = (SocketChannel) key.channel();
                                in.clear();
                                int n = ch.read(in);
                                if (n > 0) {
                                    ch.write(ByteBuffer.wrap(new byte[] {in.get(0), (byte) (char) key.attachment()}));
                                }
                                if (n != 0) {
                                    ch.close();
                                }
                            }
                        } catch (IOException e) {
                            closeQuietly(key.channel());
                        }
                    }, 500);
                } catch (IOException | RuntimeException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws Exception {
            running = false;
            selector.wakeup();
            thread.join(5_000);
            for (SelectionKey key : selector.keys()) {
                closeQuietly(key.channel());
            }
            selector.close();
        }
    }

    /** A client on 127.0.0.1 doing one round trip through the proxy every 20 ms, on a new connection each time. */
    private static final class NormalClient implements AutoCloseable {
        final AtomicLong served = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final Set<Character> backends = ConcurrentHashMap.newKeySet();
        private final List<String> failures = new ArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        NormalClient(InetSocketAddress proxy) {
            thread = new Thread(() -> {
                while (running.get()) {
                    try (Socket s = new Socket()) {
                        s.connect(proxy, 5_000);
                        s.setSoTimeout(5_000);
                        s.getOutputStream().write('n');
                        InputStream in = s.getInputStream();
                        byte[] got = in.readAllBytes();
                        if (got.length != 2 || got[0] != 'n') {
                            fail("answer " + Arrays.toString(got));
                        } else {
                            backends.add((char) got[1]);
                            served.incrementAndGet();
                        }
                    } catch (IOException e) {
                        fail(e.toString());
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "normal-client");
            thread.setDaemon(true);
            thread.start();
        }

        private void fail(String why) {
            failed.incrementAndGet();
            synchronized (failures) {
                if (failures.size() < 10) {
                    failures.add(why);
                }
            }
        }

        String report() {
            synchronized (failures) {
                return "normal client: " + served.get() + " served, " + failed.get() + " failed " + failures;
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(15_000);
        }

        @Override
        public void close() throws Exception {
            stop();
        }
    }

    /**
     * The flood, on the test thread: up to {@code inFlight} non-blocking connections at once, the
     * n-th bound to the n-th address from 127.1.0.1 upward (skipping .0 and .255).
     */
    private static final class Flood {
        private final InetSocketAddress proxy;
        private final int total;
        private final int inFlight;
        private final Selector selector;
        private int nextAddress = (127 << 24) | (1 << 16);
        private int started;
        long completed;
        long failed;
        final List<String> failures = new ArrayList<>();

        Flood(InetSocketAddress proxy, int total, int inFlight) throws IOException {
            this.proxy = proxy;
            this.total = total;
            this.inFlight = inFlight;
            this.selector = Selector.open();
        }

        /** One client: when it started, what it has read. */
        private static final class Client {
            final long startedNanos = System.nanoTime();
            final ByteBuffer answer = ByteBuffer.allocate(3);
        }

        /** Runs the flood until {@code done} connections have ended (and no more have started). */
        void runUntil(long done) throws IOException {
            long lastSweep = System.nanoTime();
            while (completed + failed < done) {
                while (started < done && selector.keys().size() < inFlight) {
                    start();
                }
                selector.select(this::ready, 100);
                long now = System.nanoTime();
                if (now - lastSweep > TimeUnit.SECONDS.toNanos(1)) {
                    lastSweep = now;
                    for (SelectionKey key : List.copyOf(selector.keys())) {
                        if (now - ((Client) key.attachment()).startedNanos > CONNECTION_DEADLINE_NANOS) {
                            fail(key, "no answer within 15 s");
                        }
                    }
                }
            }
            if (done == total) {
                selector.close();
            }
        }

        private InetAddress nextAddress() throws IOException {
            int a;
            do {
                a = nextAddress++;
            } while ((a & 0xff) == 0 || (a & 0xff) == 0xff);
            return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
        }

        private void start() throws IOException {
            started++;
            SocketChannel ch = SocketChannel.open();
            try {
                ch.bind(new InetSocketAddress(nextAddress(), 0));
                ch.configureBlocking(false);
                Client client = new Client();
                if (ch.connect(proxy)) {
                    ch.write(ByteBuffer.wrap(new byte[] {'f'}));
                    ch.register(selector, SelectionKey.OP_READ, client);
                } else {
                    ch.register(selector, SelectionKey.OP_CONNECT, client);
                }
            } catch (IOException e) {
                closeQuietly(ch);
                failed++;
                note(e.toString());
            }
        }

        private void ready(SelectionKey key) {
            SocketChannel ch = (SocketChannel) key.channel();
            Client client = (Client) key.attachment();
            try {
                if (key.isConnectable()) {
                    ch.finishConnect();
                    ch.write(ByteBuffer.wrap(new byte[] {'f'}));
                    key.interestOps(SelectionKey.OP_READ);
                } else if (key.isReadable()) {
                    if (ch.read(client.answer) < 0) {
                        ByteBuffer got = client.answer.flip();
                        if (got.remaining() == 2 && got.get(0) == 'f') {
                            completed++;
                            ch.close();
                        } else {
                            fail(key, "answer of " + got.remaining() + " bytes");
                        }
                    } else if (!client.answer.hasRemaining()) {
                        fail(key, "answer longer than 2 bytes");
                    }
                }
            } catch (IOException e) {
                fail(key, e.toString());
            }
        }

        private void fail(SelectionKey key, String why) {
            closeQuietly(key.channel());
            failed++;
            note(why);
        }

        private void note(String why) {
            if (failures.size() < 10) {
                failures.add(why);
            }
        }
    }

    private static void closeQuietly(java.nio.channels.Channel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
