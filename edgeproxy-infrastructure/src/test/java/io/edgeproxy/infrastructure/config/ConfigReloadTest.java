package io.edgeproxy.infrastructure.config;

import io.edgeproxy.domain.testing.Eventually;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.proxy.ProxyConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The config file reloaded into a running proxy while a client keeps connecting. */
class ConfigReloadTest {

    private static final Duration WITHIN = Duration.ofSeconds(10);

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    /** A backend that answers each connection with its name's first byte and closes it. */
    private int namedBackend(char name) throws IOException {
        ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        closeables.add(server);
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.getOutputStream().write(name);
                } catch (IOException e) {
                    return;
                }
            }
        }, "backend-" + name);
        t.setDaemon(true);
        t.start();
        return server.getLocalPort();
    }

    private static String backend(String id, int port, int weight) {
        return String.join("\n", "[[backends]]", "id = \"" + id + "\"", "app = \"api\"", "region = \"sa\"",
                "country = \"BR\"", "wg_ip = \"127.0.0.1\"", "port = " + port, "weight = " + weight, "");
    }

    /** Writes the file as editors do: a temporary file renamed over the old one. */
    private static void replace(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void backendsAndLimitsChangeUnderLoadWithoutDroppingAConnection(@TempDir Path dir) throws Exception {
        int a = namedBackend('A');
        int b = namedBackend('B');
        Path file = dir.resolve("edgeproxy.toml");
        Files.writeString(file, "[rate_limit]\nmax_requests = 100000\nburst = 100000\n" + backend("a", a, 1));
        Map<String, String> env = Map.of("EDGEPROXY_RATE_LIMIT_ENABLED", "true");
        EdgeProxySettings settings = EdgeProxySettings.fromEnvironment(env, w -> { });
        ConfigFile loaded = ConfigFile.load(file);
        EdgeProxy proxy = loaded.applyTo(settings.resilience()).applyTo(EdgeProxy.builder())
                .listenAddress("127.0.0.1:0").config(ProxyConfig.builder().eventLoops(1).build())
                .backends(loaded.backends()).build().start();
        closeables.add(proxy);
        ConfigReloads reloads = new ConfigReloads(proxy, file, settings.resilience(), loaded);

        Map<Character, AtomicInteger> answers = new ConcurrentHashMap<>();
        AtomicLong dropped = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        InetSocketAddress address = proxy.localAddress();
        Thread client = new Thread(() -> {
            while (running.get()) {
                try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                    s.setSoTimeout(5000);
                    int reply = s.getInputStream().read();
                    if (reply < 0) {
                        dropped.incrementAndGet();
                    } else {
                        answers.computeIfAbsent((char) reply, k -> new AtomicInteger()).incrementAndGet();
                    }
                } catch (IOException e) {
                    dropped.incrementAndGet();
                }
            }
        }, "client-loop");
        client.start();
        try {
            Eventually.await(WITHIN, "answers from a", () -> answers.containsKey('A'));

            // a replaced by b, and the limiter tuned, while the client keeps connecting
            replace(file, "[rate_limit]\nmax_requests = 50000\nburst = 50000\n" + backend("b", b, 3));
            assertThat(reloads.reload()).isTrue();
            assertThat(proxy.rateLimiter().config().burstSize()).isEqualTo(50_000);
            int beforeB = answers.getOrDefault('B', new AtomicInteger()).get();
            Eventually.await(WITHIN, "answers from b", () -> answers.containsKey('B')
                    && answers.get('B').get() > beforeB + 20);
            int aAfterSwitch = answers.get('A').get();

            // a broken file: rejected, counted, nothing changes
            replace(file, "[rate_limit]\nburst = -1\n" + backend("a", a, 1));
            assertThat(reloads.reload()).isFalse();
            int bBefore = answers.get('B').get();
            Eventually.await(WITHIN, "more answers from b", () -> answers.get('B').get() > bBefore + 20);
            assertThat(answers.get('A').get()).isEqualTo(aAfterSwitch);
            assertThat(proxy.rateLimiter().config().burstSize()).isEqualTo(50_000);
            assertThat(proxy.backends().all()).extracting(x -> x.id() + "/" + x.weight()).containsExactly("b/3");
        } finally {
            running.set(false);
            client.join(10_000);
        }
        assertThat(reloads.succeeded()).isEqualTo(1);
        assertThat(reloads.failed()).isEqualTo(1);
        assertThat(dropped.get()).as("connections dropped").isZero();
    }
}
