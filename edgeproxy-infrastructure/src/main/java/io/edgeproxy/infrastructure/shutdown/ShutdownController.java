package io.edgeproxy.infrastructure.shutdown;

import io.edgeproxy.infrastructure.proxy.CloseReason;
import io.edgeproxy.infrastructure.proxy.ConnectionListener;
import io.edgeproxy.infrastructure.proxy.ProxiedConnection;
import sun.misc.Signal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts what is in flight so a shutdown can wait for it, and turns SIGTERM and Ctrl+C into a
 * future. The proxy counts every client connection here (it is one of its
 * {@link ConnectionListener}s: {@code onOpened} counts one up, {@code onClosed} down); an
 * application counts its own work with {@link #connectionGuard()}.
 *
 * <pre>{@code
 * ShutdownController shutdown = new ShutdownController();
 * try (AutoCloseable guard = shutdown.connectionGuard()) {
 *     serve(request);
 * }
 * ShutdownController.shutdownSignal().join();           // SIGTERM or Ctrl+C
 * boolean drained = shutdown.waitForDrain(Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>Thread-safe. The counting is one atomic add, safe on an event loop; {@link #waitForDrain}
 * blocks the caller (never call it on an event loop).
 */
public final class ShutdownController implements ConnectionListener {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final CompletableFuture<String> FIRST_SIGNAL = new CompletableFuture<>();
    private static final CompletableFuture<String> SECOND_SIGNAL = new CompletableFuture<>();
    private static final AtomicBoolean HANDLERS_INSTALLED = new AtomicBoolean();

    private final AtomicInteger active = new AtomicInteger();

    /**
     * Counts one connection (or any unit of work) until the returned guard is closed; closing it
     * twice counts down once.
     */
    public AutoCloseable connectionGuard() {
        active.incrementAndGet();
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                active.decrementAndGet();
            }
        };
    }

    /** @return connections (and guards) open right now */
    public int activeConnections() {
        return active.get();
    }

    /**
     * Waits until nothing is active, at most {@code timeout}.
     *
     * @return whether everything drained in time
     * @throws InterruptedException when the waiting thread is interrupted (a forced stop)
     */
    public boolean waitForDrain(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (active.get() > 0) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while draining " + active.get() + " connections");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            LockSupport.parkNanos(Math.min(left, POLL_NANOS));
        }
        return true;
    }

    /**
     * @return a future completed with the signal's name ({@code "SIGTERM"} or {@code "SIGINT"}) by
     *         the first of SIGTERM and Ctrl+C this process receives. The first call installs the
     *         handlers; from then on those signals no longer stop the JVM by themselves, so the
     *         application must exit once it has drained.
     */
    public static CompletableFuture<String> shutdownSignal() {
        installHandlers();
        return FIRST_SIGNAL;
    }

    /** @return a future completed by the second SIGTERM or Ctrl+C: stop waiting and force the stop */
    public static CompletableFuture<String> repeatedSignal() {
        installHandlers();
        return SECOND_SIGNAL;
    }

    private static void installHandlers() {
        if (HANDLERS_INSTALLED.compareAndSet(false, true)) {
            for (String name : new String[] {"TERM", "INT"}) {
                Signal.handle(new Signal(name), s -> {
                    String signal = "SIG" + s.getName();
                    if (!FIRST_SIGNAL.complete(signal)) {
                        SECOND_SIGNAL.complete(signal);
                    }
                });
            }
        }
    }

    @Override
    public void onOpened(ProxiedConnection connection) {
        active.incrementAndGet();
    }

    @Override
    public void onClosed(ProxiedConnection connection, CloseReason reason) {
        active.decrementAndGet();
    }

    @Override
    public String toString() {
        return "ShutdownController[" + active.get() + " active]";
    }
}
