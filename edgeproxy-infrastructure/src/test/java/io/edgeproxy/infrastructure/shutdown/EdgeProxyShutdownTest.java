package io.edgeproxy.infrastructure.shutdown;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.testing.Eventually;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.ProxyState;
import io.edgeproxy.infrastructure.proxy.ConnectionListener;
import io.edgeproxy.infrastructure.proxy.ProxiedConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The draining shutdown, the forced stop and failing closed, through running proxies. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EdgeProxyShutdownTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int MiB = 1024 * 1024;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        threads.shutdownNow();
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    /** What a test backend does with one accepted connection; an I/O error just ends it. */
    @FunctionalInterface
    private interface Handler {
        void handle(Socket s) throws IOException;
    }

    /** A backend on a free loopback port serving each connection with {@code handler}; returns its port. */
    private int serve(Handler handler) throws IOException {
        ServerSocket server = track(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    threads.execute(() -> {
                        try (s) {
                            handler.handle(s);
                        } catch (IOException ignored) {
                            // the test reads what it gets, or the proxy reset it
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server.getLocalPort();
    }

    /** A backend that sends {@code size} bytes of a fixed pattern (after the client's first byte), then closes. */
    private int sender(long size) throws IOException {
        return serve(s -> {
            s.getInputStream().read();
            OutputStream out = s.getOutputStream();
            byte[] chunk = pattern();
            for (long sent = 0; sent < size; sent += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, size - sent));
            }
        });
    }

    private static byte[] pattern() {
        byte[] b = new byte[64 * 1024];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    private static long expectedCrc(long size) {
        CRC32C crc = new CRC32C();
        byte[] chunk = pattern();
        for (long n = 0; n < size; n += chunk.length) {
            crc.update(chunk, 0, (int) Math.min(chunk.length, size - n));
        }
        return crc.getValue();
    }

    private static Backend backend(int port) {
        return Backend.builder("b1").app("test").region("sa").country("BR").address("127.0.0.1").port(port).build();
    }

    /** Reads everything, slowly enough that the transfer is still running when the shutdown starts. */
    private static long[] readAll(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        CRC32C crc = new CRC32C();
        byte[] buf = new byte[16 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            crc.update(buf, 0, n);
            total += n;
            if (total % (4 * MiB) < buf.length) {
                sleep(20);
            }
        }
        return new long[] {total, crc.getValue()};
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aDrainLetsATransferFinishAndRefusesNewClientsAtOnce() throws Exception {
        long size = 64L * MiB;
        EdgeProxy proxy = EdgeProxy.builder().listenAddress("127.0.0.1:0").backends(List.of(backend(sender(size))))
                .build().start();
        InetSocketAddress address = proxy.localAddress();
        Socket client = track(new Socket());
        client.connect(address, 5_000);
        client.getOutputStream().write('g');
        Future<long[]> download = threads.submit(() -> {
            long[] got = readAll(client);
            client.close(); // the download is complete: the client ends its side too
            return got;
        });
        Eventually.await(WAIT, "the transfer is under way", () -> proxy.activeConnections() == 1);

        CompletableFuture<ShutdownReport> report = CompletableFuture.supplyAsync(() -> proxy.shutdown(Duration.ofSeconds(30)), threads);
        Eventually.await(WAIT, "draining", () -> proxy.state() == ProxyState.DRAINING, proxy::state);
        assertThatThrownBy(() -> {
            try (Socket late = new Socket()) {
                late.connect(address, 2_000);
            }
        }).isInstanceOf(ConnectException.class);

        long[] got = download.get(60, TimeUnit.SECONDS);
        assertThat(got[0]).isEqualTo(size);
        assertThat(got[1]).isEqualTo(expectedCrc(size));
        ShutdownReport r = report.get(30, TimeUnit.SECONDS);
        assertThat(r.clean()).isTrue();
        assertThat(r.drained()).isEqualTo(1);
        assertThat(proxy.state()).isEqualTo(ProxyState.STOPPED);
        assertThat(proxy.termination()).isCompletedWithValue(ProxyState.STOPPED);
    }

    /** A backend that answers one byte and then holds the connection open until the client ends it. */
    private int holder() throws IOException {
        return serve(s -> {
            s.getInputStream().read();
            s.getOutputStream().write('!');
            s.getInputStream().readAllBytes();
        });
    }

    @Test
    void aConnectionStillOpenAtTheTimeoutIsResetNotEnded() throws Exception {
        EdgeProxy proxy = EdgeProxy.builder().listenAddress("127.0.0.1:0")
                .backends(List.of(backend(holder()))).build().start();
        Socket client = track(new Socket());
        client.connect(proxy.localAddress(), 5_000);
        client.getOutputStream().write('x');
        client.setSoTimeout(10_000);
        assertThat(client.getInputStream().read()).isEqualTo('!');
        Eventually.await(WAIT, "one open", () -> proxy.activeConnections() == 1);

        long start = System.nanoTime();
        ShutdownReport r = proxy.shutdown(Duration.ofMillis(300));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(r.forced()).isEqualTo(1);
        assertThat(r.clean()).isFalse();
        // A reset, so the client can tell a cut transfer from a complete one.
        assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketException.class)
                .hasMessageContaining("reset");
    }

    @Test
    void closeEndsADrainAtOnce() throws Exception {
        EdgeProxy proxy = EdgeProxy.builder().listenAddress("127.0.0.1:0")
                .backends(List.of(backend(holder()))).build().start();
        Socket client = track(new Socket());
        client.connect(proxy.localAddress(), 5_000);
        client.getOutputStream().write('x');
        Eventually.await(WAIT, "one open", () -> proxy.activeConnections() == 1);

        CompletableFuture<ShutdownReport> report = CompletableFuture.supplyAsync(() -> proxy.shutdown(Duration.ofMinutes(5)), threads);
        Eventually.await(WAIT, "draining", () -> proxy.state() == ProxyState.DRAINING);
        proxy.close(); // a second SIGTERM
        assertThat(report.get(10, TimeUnit.SECONDS).forced()).isEqualTo(1);
    }

    @Test
    void guardsCountUntilClosedAndTheDrainWaitsForThem() throws Exception {
        ShutdownController controller = new ShutdownController();
        AutoCloseable a = controller.connectionGuard();
        AutoCloseable b = controller.connectionGuard();
        assertThat(controller.activeConnections()).isEqualTo(2);
        a.close();
        a.close();
        assertThat(controller.activeConnections()).isEqualTo(1);
        assertThat(controller.waitForDrain(Duration.ofMillis(50))).isFalse();
        threads.execute(() -> {
            sleep(50);
            try {
                b.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(controller.waitForDrain(Duration.ofSeconds(10))).isTrue();
    }

    /** The child of {@link #outOfMemoryOnALoopFailsTheProxyClosed}: a proxy whose listener exhausts a tiny heap. */
    public static void main(String[] args) throws Exception {
        EdgeProxy proxy = EdgeProxy.builder().listenAddress("127.0.0.1:0")
                .backends(List.of(backend(Integer.parseInt(args[0]))))
                .connectionListener(new ConnectionListener() {
                    @Override
                    public void onOpened(ProxiedConnection c) {
                        List<long[]> hog = new ArrayList<>();
                        while (true) {
                            hog.add(new long[1 << 20]); // 8 MiB at a time, until the 32 MiB heap is gone
                        }
                    }
                }).build().start();
        System.out.println("PORT " + proxy.localAddress().getPort());
        ProxyState end = proxy.termination().get();
        System.out.println(end);
        Thread.sleep(2_000); // stay up: the port must refuse clients while the process still runs
        System.exit(end == ProxyState.FAILED ? 3 : 0);
    }

    @Test
    void outOfMemoryOnALoopFailsTheProxyClosed() throws Exception {
        Path log = Files.createTempFile("edgeproxy-oom", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx32m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                EdgeProxyShutdownTest.class.getName(), String.valueOf(sender(1)))
                .redirectError(log.toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII));
            String line = out.readLine();
            assertThat(line).as("child output; stderr in %s", log).startsWith("PORT ");
            InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", Integer.parseInt(line.substring(5)));
            try (Socket s = new Socket()) {
                s.connect(proxy, 5_000); // its onOpened runs the heap out
            }
            assertThat(out.readLine()).as("stderr in %s", log).isEqualTo("FAILED");
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(proxy, 2_000);
                }
            }).as("refused, not left hanging").isInstanceOf(ConnectException.class);
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isEqualTo(3);
            assertThat(Files.readString(log)).contains("proxy FAILED: java.lang.OutOfMemoryError");
        } finally {
            child.destroyForcibly();
        }
    }
}
