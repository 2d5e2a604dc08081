package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.domain.testing.Eventually;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs a proxy in a child JVM limited to a few file descriptors, floods it until accept fails with
 * "Too many open files", then checks that it backs off, says so, and serves again once descriptors
 * are free.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FileDescriptorExhaustionTest {

    /**
     * The child process: a proxy to the port in args[0], with the default connection cap (derived
     * from the descriptor limit) or, with args[1] "uncapped", a cap far above what the descriptors
     * allow; prints its port, runs until stdin closes.
     */
    public static void main(String[] args) throws Exception {
        Backend b = Backend.builder("b1").app("test").region("sa").country("BR").address("127.0.0.1")
                .port(Integer.parseInt(args[0])).softLimit(1000).hardLimit(1000).build();
        ProxyConfig.Builder config = ProxyConfig.builder().eventLoops(1);
        if (args[1].equals("uncapped")) {
            config.maxConnections(100_000);
        }
        try (EdgeProxy proxy = EdgeProxy.builder().listenAddress("127.0.0.1:0").backends(List.of(b))
                .config(config.build()).build().start()) {
            System.out.println("PORT " + proxy.localAddress().getPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // run until the parent closes our stdin
            }
        }
    }

    @Test
    void withTheDefaultCapAFloodNeverRunsTheDescriptorsOut() throws Exception {
        Path log = flood("capped", FileDescriptorExhaustionTest::awaitCap);
        assertThat(read(log)).contains("at the connection cap").doesNotContain("Too many open files");
    }

    @Test
    void acceptBacksOffWhenOutOfFileDescriptorsAndServesAgainAfterwards() throws Exception {
        flood("uncapped", FileDescriptorExhaustionTest::awaitOutOfDescriptors);
    }

    /** Floods a child proxy under {@code ulimit -n 160}, waits for {@code overloaded}, and checks it serves again. */
    private static Path flood(String mode, java.util.function.Consumer<Path> overloaded) throws Exception {
        try (NioEchoServer backend = new NioEchoServer()) {
            Path log = Files.createTempFile("edgeproxy-emfile", ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cmd = "ulimit -n 160 && exec '" + java + "' -cp '" + System.getProperty("java.class.path") + "' "
                    + FileDescriptorExhaustionTest.class.getName() + " " + backend.port() + " " + mode;
            Process child = new ProcessBuilder("bash", "-c", cmd)
                    .redirectError(log.toFile())
                    .start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII));
                String line = out.readLine();
                assertThat(line).as("child output; stderr in %s", log).startsWith("PORT ");
                InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", Integer.parseInt(line.substring(5)));

                // A proxy that has served traffic: its data path classes are loaded (from class
                // directories, as here, loading one later would itself need a free descriptor).
                assertThat(echoes(proxy)).isTrue();

                // Each proxied client costs the child two descriptors: 200 clients cannot all fit.
                List<Socket> flood = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    Socket s = new Socket();
                    s.connect(proxy, 5_000); // completes in the kernel backlog even when the proxy cannot accept
                    flood.add(s);
                }
                // Out of descriptors either at accept (the listener pauses) or at the backend connect
                // (that client is refused as a local failure): which one comes first depends on
                // how many descriptors the JVM itself holds.
                overloaded.accept(log);
                for (Socket s : flood) {
                    s.close();
                }

                // Descriptors are free again: a new client is served.
                Eventually.await(Duration.ofSeconds(30), "served after the flood; stderr in " + log, () -> echoes(proxy));
                assertThat(child.isAlive()).isTrue();
            } finally {
                child.getOutputStream().close();
                if (!child.waitFor(10, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            }
            return log;
        }
    }

    private static void awaitCap(Path log) {
        Eventually.await(Duration.ofSeconds(30), "the connection cap in the child's stderr",
                () -> read(log).contains("at the connection cap"), () -> read(log));
    }

    private static boolean echoes(InetSocketAddress proxy) {
        try (Socket s = new Socket()) {
            s.connect(proxy, 2_000);
            s.setSoTimeout(2_000);
            s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII).equals("ping");
        } catch (Exception e) {
            return false;
        }
    }

    private static void awaitOutOfDescriptors(Path log) {
        Eventually.await(Duration.ofSeconds(30), "out of descriptors in the child's stderr", () -> {
            String text = read(log);
            return text.contains("pausing it for") || text.contains("a local limit, not the backend's fault");
        }, () -> read(log));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
