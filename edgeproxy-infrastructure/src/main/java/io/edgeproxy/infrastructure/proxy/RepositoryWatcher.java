package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.BackendRepository;
import io.edgeproxy.infrastructure.loop.EventLoop;
import io.edgeproxy.infrastructure.loop.Scheduled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The one place that watches {@link BackendRepository#version()}: every {@link #interval()} it
 * compares the version with the last one seen and, when it moved, reads {@link BackendRepository#all()}
 * once and tells every subscriber (the health monitor, the connection pool, the proxy's housekeeping,
 * metrics). A new subscriber hears the current list right away once the watcher runs.
 *
 * <p>Runs on one {@link EventLoop}; subscribers are called there, one after another, and one that
 * throws is logged and does not keep the others from hearing the change. A repository that throws
 * is logged (once per failure episode) and asked again at the next tick. Thread-safe.
 *
 * <pre>{@code
 * RepositoryWatcher watcher = new RepositoryWatcher(repository, loops.next(), Duration.ofSeconds(1));
 * watcher.subscribe(backends -> log.info("{} backends", backends.size()));
 * watcher.start();
 * }</pre>
 */
public final class RepositoryWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RepositoryWatcher.class);

    /** Defaults to 1 second. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    private final BackendRepository repository;
    private final EventLoop loop;
    private final Duration interval;
    private final List<BackendsListener> listeners = new CopyOnWriteArrayList<>();
    private volatile List<Backend> current = List.of();
    private volatile boolean running;
    private boolean closed;

    // owned by the loop thread
    private Scheduled tick;
    private long seenVersion;
    private boolean synced;
    private boolean failing;

    public RepositoryWatcher(BackendRepository repository, EventLoop loop, Duration interval) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.loop = Objects.requireNonNull(loop, "loop");
        this.interval = Objects.requireNonNull(interval, "interval");
        if (interval.toMillis() < 1) {
            throw new IllegalArgumentException("interval must be at least 1 ms, but was " + interval);
        }
    }

    /** Adds a subscriber; once the watcher has read the repository, it hears the current list at once (on the loop). */
    public RepositoryWatcher subscribe(BackendsListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        loop.execute(() -> {
            if (synced && running) {
                tell(listener, current);
            }
        });
        return this;
    }

    /** Removes a subscriber. */
    public void unsubscribe(BackendsListener listener) {
        listeners.remove(listener);
    }

    /** Starts watching: reads the repository now and then every interval. Idempotent. */
    public synchronized RepositoryWatcher start() {
        if (closed) {
            throw new IllegalStateException("repository watcher closed");
        }
        if (!running) {
            running = true;
            loop.execute(this::check);
        }
        return this;
    }

    /** Looks at the repository now instead of at the next tick (after a reload, say). Safe from any thread. */
    public void checkNow() {
        loop.execute(() -> {
            if (running) {
                check();
            }
        });
    }

    /** @return the backends as last read (empty before the first read) */
    public List<Backend> current() {
        return current;
    }

    /** @return the repository watched */
    public BackendRepository repository() {
        return repository;
    }

    /** @return how often the version is compared */
    public Duration interval() {
        return interval;
    }

    /** Stops watching. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        running = false;
        loop.execute(() -> {
            if (tick != null) {
                tick.cancel();
            }
        });
    }

    private void check() {
        if (tick != null) {
            tick.cancel();
        }
        try {
            long version = repository.version();
            if (!synced || version != seenVersion) {
                List<Backend> all = List.copyOf(repository.all());
                current = all;
                seenVersion = version;
                synced = true;
                for (BackendsListener l : listeners) {
                    tell(l, all);
                }
            }
            if (failing) {
                failing = false;
                log.info("backend repository readable again");
            }
        } catch (RuntimeException e) {
            if (!failing) {
                failing = true;
                log.warn("backend repository cannot be read, keeping the last {} backends: {}", current.size(), e.toString(), e);
            }
        } finally {
            if (running) {
                tick = loop.schedule(interval, this::check);
            }
        }
    }

    private static void tell(BackendsListener l, List<Backend> backends) {
        try {
            l.backendsChanged(backends);
        } catch (RuntimeException e) {
            log.warn("backends listener {} failed", l, e);
        }
    }

    @Override
    public String toString() {
        return "RepositoryWatcher[every " + interval + ", " + current.size() + " backends]";
    }
}
