package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.infrastructure.loop.EventLoops;
import io.edgeproxy.infrastructure.proxy.CloseReason;
import io.edgeproxy.infrastructure.proxy.RejectReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The NIO TCP proxy: listeners and the connections they accept, on an {@link EventLoops} group the
 * caller owns.
 *
 * <p>On Linux each loop gets its own listening socket bound with {@code SO_REUSEPORT}, so the
 * kernel spreads new connections over the loops and no thread hands off work. Elsewhere (or when
 * {@code reusePort} is off) loop 0 owns the only listener and hands accepted connections to the
 * loops round-robin. When a loop stops, it closes the connections it owns.
 */
public final class ProxyEngine {

    private static final Logger log = LoggerFactory.getLogger(ProxyEngine.class);
    /** Bytes of free buffers each loop keeps for reuse: 256 buffers of the default 32 KiB. */
    private static final int RETAINED_BYTES = 8 * 1024 * 1024;

    static {
        // Load what the failure paths need now: out of file descriptors, loading a class from a jar
        // fails, and a connection that cannot load its close reason can never be closed.
        CloseReason.values();
        RejectReason.values();
    }

    private final EngineContext ctx;
    /** Each listener with the loop that owns it. */
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final List<LoopContext> listenerOwners = new ArrayList<>();
    private volatile List<LoopContext> loops = List.of();
    private volatile InetSocketAddress localAddress;
    private boolean started;

    public ProxyEngine(EngineContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Binds the listeners on {@code group}'s loops, which must not be started yet (so no select
     * races the registrations), and makes each loop close its connections when it stops.
     */
    public synchronized void start(EventLoops group, InetSocketAddress address) throws IOException {
        if (started) {
            throw new IllegalStateException("engine already started");
        }
        started = true;
        List<LoopContext> contexts = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            contexts.add(new LoopContext(group.get(i), ctx.config().bufferSize(),
                        Math.max(1, RETAINED_BYTES / ctx.config().bufferSize()),
                        ctx.config().splicesOn(group.transport())));
        }
        loops = List.copyOf(contexts);
        group.onStop(i -> loops.get(i)::resetAll);
        try {
            boolean reusePort = ctx.config().reusePort() && reusePortSupported();
            if (reusePort && address.getPort() != 0) {
                requireUnshared(address);
            }
            int listenerCount = reusePort ? contexts.size() : 1;
            InetSocketAddress bindTo = address;
            for (int i = 0; i < listenerCount; i++) {
                ServerSocketChannel ssc = contexts.get(i).loop.provider().openServerSocketChannel();
                listeners.add(ssc);
                listenerOwners.add(contexts.get(i));
                ssc.configureBlocking(false);
                ssc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                if (reusePort) {
                    ssc.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
                ssc.bind(bindTo, ctx.config().acceptBacklog());
                if (i == 0) {
                    // Port 0 picks a free port: the other loops' listeners join that same port.
                    InetSocketAddress bound = (InetSocketAddress) ssc.getLocalAddress();
                    bindTo = new InetSocketAddress(address.getAddress(), bound.getPort());
                    localAddress = bound;
                }
                LoopContext owner = contexts.get(i);
                Acceptor acceptor = new Acceptor(ctx, owner, ssc, reusePort ? null : loops);
                acceptor.key = owner.loop.register(ssc, SelectionKey.OP_ACCEPT, acceptor);
            }
            log.debug("engine: {} event loops, {} listeners (SO_REUSEPORT {})", contexts.size(), listenerCount,
                    reusePort ? "on" : "off");
        } catch (IOException | RuntimeException e) {
            listeners.forEach(ProxyEngine::closeQuietly); // the loops never ran
            listeners.clear();
            listenerOwners.clear();
            throw e;
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
        } catch (BindException e) {
            throw new BindException("address already in use (another process listens on it): " + e.getMessage());
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


    public long listenerFailures() {
        return ctx.events().failures();
    }

    public long bufferBytesInUse() {
        long sum = 0;
        for (LoopContext lc : loops) {
            sum += lc.buffers.inUseBytes() + (lc.pipes != null ? lc.pipes.heldBytes() : 0);
        }
        return sum;
    }

    /**
     * Closes the listening sockets, so a new client is refused (not left in a backlog nobody
     * accepts from). Each listener is taken off its loop's selector and then closed, which releases
     * the port at once; called from another thread this waits (at most a second) until every
     * listener is closed, so a client that connects after it returns is refused. Idempotent.
     */
    public void closeListeners() {
        List<ServerSocketChannel> toClose;
        List<LoopContext> owners;
        synchronized (this) {
            toClose = List.copyOf(listeners);
            owners = List.copyOf(listenerOwners);
            listeners.clear();
            listenerOwners.clear();
        }
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(toClose.size());
        boolean onALoop = false;
        for (int i = 0; i < toClose.size(); i++) {
            ServerSocketChannel ssc = toClose.get(i);
            LoopContext owner = owners.get(i);
            onALoop |= owner.loop.inEventLoop();
            owner.loop.execute(() -> owner.loop.deregister(ssc, () -> {
                closeQuietly(ssc);
                closed.countDown();
            }));
        }
        if (onALoop) {
            return; // a loop cannot wait for itself; its listener closes after its next select
        }
        try {
            if (!closed.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                toClose.forEach(ProxyEngine::closeQuietly); // a loop that no longer runs: close them here
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            toClose.forEach(ProxyEngine::closeQuietly);
        }
    }

    private static void closeQuietly(ServerSocketChannel ssc) {
        try {
            ssc.close();
        } catch (IOException e) {
            log.debug("engine: closing a listener failed", e);
        }
    }
}
