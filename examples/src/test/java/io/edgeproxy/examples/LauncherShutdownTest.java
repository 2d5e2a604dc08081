package io.edgeproxy.examples;

import io.edgeproxy.domain.testing.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The standalone launcher in a real child JVM, stopped by signals: SIGTERM drains a transfer to
 * its end and exits 0, refuses new clients at once, and resets what is still open at the timeout.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LauncherShutdownTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int MiB = 1024 * 1024;

    @TempDir
    Path dir;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private Process child;

    @AfterEach
    void tearDown() throws Exception {
        if (child != null) {
            child.destroyForcibly();
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        threads.shutdownNow();
    }

    /** A backend that, after the client's first byte, sends {@code size} bytes and then holds the connection until the client ends it. */
    private int backend(long size) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        resources.add(server);
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    threads.execute(() -> {
                        try (s) {
                            if (s.getInputStream().read() < 0) {
                                return; // a probe that only checked the port
                            }
                            OutputStream out = s.getOutputStream();
                            byte[] chunk = pattern();
                            for (long sent = 0; sent < size; sent += chunk.length) {
                                out.write(chunk, 0, (int) Math.min(chunk.length, size - sent));
                            }
                            s.shutdownOutput();
                            s.getInputStream().readAllBytes();
                        } catch (IOException ignored) {
                            // reset by the proxy
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server.getLocalPort();
    }

    private static byte[] pattern() {
        byte[] b = new byte[64 * 1024];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    private static long crcOf(long size) {
        CRC32C crc = new CRC32C();
        byte[] chunk = pattern();
        for (long n = 0; n < size; n += chunk.length) {
            crc.update(chunk, 0, (int) Math.min(chunk.length, size - n));
        }
        return crc.getValue();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Starts the launcher in a child JVM in front of {@code backendPort}; returns where it listens. */
    private InetSocketAddress launch(int backendPort, int shutdownTimeoutSecs) throws Exception {
        Path config = dir.resolve("backends.toml");
        Files.writeString(config, String.join("\n",
                "[[backends]]", "id = \"b1\"", "app = \"test\"", "region = \"sa\"", "country = \"BR\"",
                "wg_ip = \"127.0.0.1\"", "port = " + backendPort, ""));
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", freePort());
        ProcessBuilder pb = new ProcessBuilder(ChildLauncher.command(List.of()))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile());
        pb.environment().put("EDGEPROXY_LISTEN_ADDR", "127.0.0.1:" + address.getPort());
        pb.environment().put("EDGEPROXY_CONFIG_PATH", config.toString());
        pb.environment().put("EDGEPROXY_SHUTDOWN_TIMEOUT_SECS", String.valueOf(shutdownTimeoutSecs));
        child = pb.start();
        // Its log, not a connect: the launcher's own check that the port is free briefly listens too.
        Eventually.await(WAIT, "the launcher listens", () -> childLog().contains("edgeproxy listening on"), this::childLog);
        return address;
    }

    private String childLog() {
        try {
            return Files.readString(dir.resolve("child.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static boolean connects(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A client through the proxy that asked for the backend's bytes and has read the first 10. */
    private Socket clientMidTransfer(InetSocketAddress proxy) throws IOException {
        Socket client = new Socket();
        resources.add(client);
        client.connect(proxy, 5_000);
        client.getOutputStream().write('g');
        client.setSoTimeout(30_000);
        assertThat(client.getInputStream().readNBytes(10)).hasSize(10);
        return client;
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(child.pid())).start();
        assertThat(kill.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    @Test
    void sigtermDuringA100MiBTransferLetsItFinishIntactRefusesNewClientsAndExitsZero() throws Exception {
        long size = 100L * MiB;
        InetSocketAddress proxy = launch(backend(size), 30);
        Socket client = new Socket();
        resources.add(client);
        client.connect(proxy, 5_000);
        client.getOutputStream().write('g');
        InputStream in = client.getInputStream();
        byte[] first = in.readNBytes(MiB); // the transfer is under way
        Future<long[]> rest = threads.submit(() -> {
            CRC32C crc = new CRC32C();
            crc.update(first);
            long total = first.length;
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                crc.update(buf, 0, n);
                total += n;
                if (total % (8 * MiB) < buf.length) {
                    Thread.sleep(50); // slow enough that the drain has to wait for it
                }
            }
            client.close();
            return new long[] {total, crc.getValue()};
        });

        signal("TERM");
        long signalled = System.nanoTime();
        Eventually.await(Duration.ofSeconds(5), "new clients refused", () -> !connects(proxy), this::childLog);
        assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofSeconds(2));
        assertThatThrownBy(() -> new Socket().connect(proxy, 1_000)).isInstanceOf(ConnectException.class);

        long[] got = rest.get(60, TimeUnit.SECONDS);
        assertThat(got[0]).isEqualTo(size);
        assertThat(got[1]).isEqualTo(crcOf(size));
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).as(childLog()).isTrue();
        assertThat(child.exitValue()).as(childLog()).isZero();
        assertThat(childLog()).contains("SIGTERM: draining for up to 30 s", "connections finished, 0 reset")
                .doesNotContain("Exception");
    }

    @Test
    void aConnectionStillOpenAtTheTimeoutIsResetAndTheLauncherExitsWithinTheTimeoutPlusOneSecond() throws Exception {
        InetSocketAddress proxy = launch(backend(10), 2);
        Socket client = clientMidTransfer(proxy);

        signal("TERM");
        long signalled = System.nanoTime();
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).as(childLog()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofSeconds(3));
        assertThat(child.exitValue()).as(childLog()).isEqualTo(EdgeProxyMain.EXIT_FORCED);
        // The backend had ended its side: the client holds a FIN-terminated stream and then a reset.
        assertThatThrownBy(() -> {
            client.getInputStream().read();
            client.getOutputStream().write(new byte[64 * 1024]);
            client.getOutputStream().write(new byte[64 * 1024]);
        }).isInstanceOf(SocketException.class);
        assertThat(childLog()).contains("forced: ", "connections finished, 1 reset");
    }

    @Test
    void aSecondSigtermStopsAtOnce() throws Exception {
        InetSocketAddress proxy = launch(backend(10), 60);
        Socket client = clientMidTransfer(proxy);

        signal("TERM");
        Eventually.await(Duration.ofSeconds(5), "draining", () -> childLog().contains("draining for up to 60 s"), this::childLog);
        signal("TERM");
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).as(childLog()).isTrue();
        assertThat(child.exitValue()).isEqualTo(EdgeProxyMain.EXIT_FORCED);
    }
}
