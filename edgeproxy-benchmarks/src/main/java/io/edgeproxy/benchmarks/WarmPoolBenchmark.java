package io.edgeproxy.benchmarks;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.memory.InMemoryMetricsStore;
import io.edgeproxy.infrastructure.pool.PoolConfig;
import io.edgeproxy.infrastructure.proxy.ProxyConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What a warm pool saves a new client: the time from {@code connect()} to the backend's one-byte
 * answer through a running proxy, with the pool off (the proxy connects to the backend after
 * accepting the client) and on (the proxy hands the client an already-connected spare).
 *
 * <p>The backend answers one byte for each byte it reads, then closes; the client connects,
 * sends one byte, reads the answer and closes. Everything runs on 127.0.0.1 in this JVM, so the
 * saving shown is the loopback connect round trip plus the backend's accept; across a real
 * network it is one RTT more.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WarmPoolBenchmark {

    @Param({"off", "on"})
    public String pool;

    private ServerSocket backend;
    private ExecutorService handlers;
    private EdgeProxy proxy;

    @Setup(Level.Trial)
    public void start() throws IOException {
        backend = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "bench-backend");
            t.setDaemon(true);
            return t;
        });
        handlers.execute(this::acceptLoop);
        Backend b = Backend.builder("b1").app("bench").region("sa").country("BR").address("127.0.0.1")
                .port(backend.getLocalPort()).softLimit(10_000).hardLimit(10_000).build();
        EdgeProxy.Builder builder = EdgeProxy.builder().listenAddress("127.0.0.1:0").backends(List.of(b))
                .config(ProxyConfig.builder().eventLoops(1).build());
        if (pool.equals("on")) {
            builder.pool(PoolConfig.builder().maxConnectionsPerBackend(64).warmConnectionsPerBackend(16).build());
        }
        proxy = builder.build().start();
    }

    private void acceptLoop() {
        while (!backend.isClosed()) {
            try {
                Socket s = backend.accept();
                handlers.execute(() -> answer(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void answer(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            if (s.getInputStream().read() >= 0) {
                s.getOutputStream().write('!');
            }
        } catch (IOException ignored) {
            // the client is gone: nothing to answer
        }
    }

    @Benchmark
    public int connectAndFirstByte() throws IOException {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(proxy.localAddress(), 5_000);
            s.getOutputStream().write('?');
            InputStream in = s.getInputStream();
            return in.read();
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        // How many clients really got a warm spare: the figure above means little without it.
        System.out.println("pool: " + proxy.connectionPool().stats());
        // The step a spare skips, as the proxy measured it: connect() to finishConnect() per client.
        InMemoryMetricsStore.BackendStats stats = ((InMemoryMetricsStore) proxy.metrics()).backend("b1");
        System.out.printf("connections %d, connects measured %d, mean connect %.1f us%n", stats.connections(),
                stats.connectRttCount(), stats.connectRttCount() == 0 ? 0.0
                        : stats.connectRttNanosSum() / 1000.0 / stats.connectRttCount());
        proxy.close();
        backend.close();
        handlers.shutdownNow();
    }
}
