package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.EdgeProxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slow readers holding more relay buffers than direct memory allows: the proxy pauses reading
 * instead of failing, and every transfer completes once the readers catch up. In a child JVM with
 * {@code -XX:MaxDirectMemorySize=256k} (32 buffers of 32 KiB).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DirectMemoryExhaustionTest {

    private static final int CLIENTS = 32;
    private static final int SIZE = 12 * 1024 * 1024; // beyond what the kernel's socket buffers hold

    /** The child: a proxy to the port in args[0]; prints its port, runs until stdin closes. */
    public static void main(String[] args) throws Exception {
        Backend b = Backend.builder("b1").app("test").region("sa").country("BR").address("127.0.0.1")
                .port(Integer.parseInt(args[0])).softLimit(1000).hardLimit(1000).build();
        try (EdgeProxy proxy = EdgeProxy.builder().listenAddress("127.0.0.1:0").backends(List.of(b))
                .config(ProxyConfig.builder().eventLoops(1).splice(false).build()).build().start()) {
            System.out.println("PORT " + proxy.localAddress().getPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // run until the parent closes our stdin
            }
            System.out.println(proxy.state());
        }
    }

    @Test
    void slowReadersBeyondDirectMemoryPauseTheRelayInsteadOfFailingTheProxy() throws Exception {
        ExecutorService threads = Executors.newCachedThreadPool();
        try (ServerSocket backend = new ServerSocket(0, 200, InetAddress.getLoopbackAddress())) {
            threads.execute(() -> {
                while (!backend.isClosed()) {
                    try {
                        Socket s = backend.accept();
                        threads.execute(() -> {
                            try (s) {
                                s.getInputStream().read();
                                OutputStream out = s.getOutputStream();
                                byte[] chunk = new byte[64 * 1024];
                                for (int sent = 0; sent < SIZE; sent += chunk.length) {
                                    out.write(chunk);
                                }
                                s.shutdownOutput();
                                s.getInputStream().readAllBytes();
                            } catch (Exception ignored) {
                                // the test counts what arrives
                            }
                        });
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            Path log = Files.createTempFile("edgeproxy-direct", ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "-XX:MaxDirectMemorySize=256k", "-cp", System.getProperty("java.class.path"),
                    DirectMemoryExhaustionTest.class.getName(), String.valueOf(backend.getLocalPort()))
                    .redirectError(log.toFile()).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII));
                String line = out.readLine();
                assertThat(line).as("stderr in %s", log).startsWith("PORT ");
                InetSocketAddress proxy = new InetSocketAddress("127.0.0.1", Integer.parseInt(line.substring(5)));

                List<Socket> clients = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    Socket s = new Socket();
                    s.setReceiveBufferSize(4096); // small: the proxy's write side fills up fast
                    s.connect(proxy, 5_000);
                    s.getOutputStream().write('g');
                    clients.add(s);
                }
                Thread.sleep(1_500); // nobody reads: every pair ends up holding a buffer
                List<Future<Long>> reads = new ArrayList<>();
                for (Socket s : clients) {
                    reads.add(threads.submit(() -> {
                        try (s) {
                            s.setSoTimeout(60_000);
                            InputStream in = s.getInputStream();
                            byte[] buf = new byte[64 * 1024];
                            long total = 0;
                            int n;
                            while ((n = in.read(buf)) >= 0) {
                                total += n;
                            }
                            return total;
                        }
                    }));
                }
                for (Future<Long> r : reads) {
                    assertThat(r.get(90, TimeUnit.SECONDS)).isEqualTo(SIZE);
                }
                child.getOutputStream().close();
                assertThat(out.readLine()).as("stderr in %s", log).isEqualTo("RUNNING");
                String stderr = Files.readString(log);
                assertThat(stderr).contains("relay buffers exhausted").doesNotContain("FAILED");
            } finally {
                child.getOutputStream().close();
                if (!child.waitFor(10, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
