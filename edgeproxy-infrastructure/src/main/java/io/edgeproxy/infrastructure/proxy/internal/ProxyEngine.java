package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.domain.port.MetricsStore;
import io.edgeproxy.domain.routing.RoutingService;
import io.edgeproxy.infrastructure.proxy.ProxyConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The NIO TCP proxy: N {@link EventLoop}s, their listeners, and the connections they own.
 *
 * <p>On Linux each loop gets its own listening socket bound with {@code SO_REUSEPORT}, so the
 * kernel spreads new connections over the loops and no thread hands off work. Elsewhere (or when
 * {@link ProxyConfig#reusePort()} is off) loop 0 owns the only listener and hands accepted
 * connections to the loops round-robin.
 */
public final class ProxyEngine {

    private static final Logger log = LoggerFactory.getLogger(ProxyEngine.class);
    /** Free buffers each loop keeps for reuse: 256 x 32 KiB = 8 MiB at most per loop by default. */
    private static final int RETAINED_BUFFERS = 256;

    final ProxyConfig config;
    final RoutingService routing;
    final MetricsStore metrics;
    final EngineHooks hooks;

    private final AtomicInteger active = new AtomicInteger();
    /** Published whole once start() has built it; read by stats from any thread. */
    private volatile List<EventLoop> loops = List.of();
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private volatile InetSocketAddress localAddress;
    private boolean started;
    private boolean closed;

    public ProxyEngine(ProxyConfig config, RoutingService routing, MetricsStore metrics, EngineHooks hooks) {
        this.config = config;
        this.routing = routing;
        this.metrics = new GuardedMetricsStore(metrics);
        this.hooks = hooks;
    }

    /** Binds the listeners and starts the loops. */
    public synchronized void start(InetSocketAddress address) throws IOException {
        if (started || closed) {
            throw new IllegalStateException(closed ? "engine closed; build a new proxy" : "engine already started");
        }
        started = true;
        List<EventLoop> created = new ArrayList<>();
        try {
            for (int i = 0; i < config.eventLoops(); i++) {
                created.add(new EventLoop(i, config.bufferSize(), RETAINED_BUFFERS));
            }
            loops = List.copyOf(created);
            boolean reusePort = config.reusePort() && reusePortSupported();
            if (reusePort && address.getPort() != 0) {
                requireUnshared(address);
            }
            int listenerCount = reusePort ? loops.size() : 1;
            InetSocketAddress bindTo = address;
            for (int i = 0; i < listenerCount; i++) {
                ServerSocketChannel ssc = ServerSocketChannel.open();
                listeners.add(ssc);
                ssc.configureBlocking(false);
                ssc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                if (reusePort) {
                    ssc.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
                ssc.bind(bindTo, config.acceptBacklog());
                if (i == 0) {
                    // Port 0 picks a free port: the other loops' listeners join that same port.
                    InetSocketAddress bound = (InetSocketAddress) ssc.getLocalAddress();
                    bindTo = new InetSocketAddress(address.getAddress(), bound.getPort());
                    localAddress = bound;
                }
                EventLoop owner = loops.get(i);
                Acceptor acceptor = new Acceptor(this, owner, ssc, reusePort ? null : loops);
                acceptor.key = ssc.register(owner.selector, java.nio.channels.SelectionKey.OP_ACCEPT, acceptor);
            }
            log.debug("engine: {} event loops, {} listeners (SO_REUSEPORT {})", loops.size(), listenerCount,
                    reusePort ? "on" : "off");
        } catch (IOException | RuntimeException e) {
            loops = List.copyOf(created);
            closeResources();
            throw e;
        }
        for (EventLoop loop : loops) {
            loop.start();
        }
    }

    /**
     * With {@code SO_REUSEPORT} the kernel lets another process of the same user listen on the port
     * too and quietly splits the clients between both. A plain bind first makes that an error.
     */
    private static void requireUnshared(InetSocketAddress address) throws IOException {
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            probe.bind(address, 1);
        } catch (java.net.BindException e) {
            throw new java.net.BindException("address already in use (another process listens on it): " + e.getMessage());
        }
    }

    private static boolean reusePortSupported() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        // Only Linux spreads connections over SO_REUSEPORT listeners; BSD/macOS give all to one.
        if (!os.contains("linux")) {
            return false;
        }
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            return probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            return false;
        }
    }

    public InetSocketAddress localAddress() {
        InetSocketAddress a = localAddress;
        if (a == null) {
            throw new IllegalStateException("proxy not started");
        }
        return a;
    }

    public int eventLoops() {
        return config.eventLoops();
    }

    public int activeConnections() {
        return active.get();
    }

    public long bufferBytesInUse() {
        long sum = 0;
        for (EventLoop loop : loops) {
            sum += loop.buffers.inUseBytes();
        }
        return sum;
    }

    void connectionOpened() {
        active.incrementAndGet();
    }

    void connectionClosed() {
        active.decrementAndGet();
    }

    /**
     * Closes the listeners first (so no loop hands a new connection to a loop that has already
     * stopped), then every connection, and stops the loops: the accepting loop 0 before the
     * others. Idempotent.
     */
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeListeners();
        List<EventLoop> all = loops;
        try {
            for (EventLoop loop : all) {
                loop.stop();
                loop.join(5_000); // in order: a handoff queued by loop 0 runs before its target stops
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeResources() {
        for (EventLoop loop : loops) {
            loop.closeSelectorIfNotStarted();
        }
        closeListeners();
    }

    private void closeListeners() {
        for (ServerSocketChannel ssc : listeners) {
            try {
                ssc.close();
            } catch (IOException e) {
                log.debug("engine: closing a listener failed", e);
            }
        }
    }
}
