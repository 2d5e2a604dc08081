package io.edgeproxy.infrastructure.health;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.BackendAvailability;
import io.edgeproxy.domain.port.BackendRepository;
import io.edgeproxy.infrastructure.loop.EventLoop;
import io.edgeproxy.infrastructure.loop.EventLoops;
import io.edgeproxy.infrastructure.proxy.BackendsListener;
import io.edgeproxy.infrastructure.proxy.RepositoryWatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Actively checks every backend of a {@link BackendRepository}, and is the proxy's
 * {@link BackendAvailability}: a backend whose probes say it is down is not a candidate.
 *
 * <p>It follows the repository through a {@link RepositoryWatcher}: a new backend gets a
 * {@link HealthChecker}, a removed one loses it, one whose address changed gets a fresh checker.
 * Every backend is probed, whatever its {@link Backend#healthy()} flag (the router requires both).
 * Inside a proxy the monitor shares the proxy's watcher and event loops (probes spread over the
 * loops); on its own it starts a group of one loop and a watcher that looks at the repository once
 * per check interval.
 *
 * <p>{@link #reconfigure(HealthCheckConfig)} changes the probes of every backend in place, keeping
 * each backend's health (see {@link HealthChecker#reconfigure}).
 *
 * <p>{@link #isHealthy(String)} and {@link #isAvailable(Backend)} are lock-free reads, safe on an
 * event loop. A backend the monitor does not know (not yet synced, or never seen) counts as
 * healthy: the monitor only vetoes on evidence. {@link #disabled()} is the monitor of a proxy
 * without health checks: every backend healthy, nothing probed.
 *
 * <pre>{@code
 * HealthMonitor health = new HealthMonitor(repository, HealthCheckConfig.ofDefaults());
 * health.start();
 * BackendAvailability availability = health.and(circuitBreakers);
 * ...
 * health.stop();
 * }</pre>
 */
public final class HealthMonitor implements BackendAvailability, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);
    private static final HealthCheckConfig UNUSED = HealthCheckConfig.ofDefaults();

    private final BackendRepository repository;
    private volatile HealthCheckConfig config;
    private final ConcurrentHashMap<String, HealthChecker> checkers = new ConcurrentHashMap<>();
    private final List<HealthListener> listeners = new CopyOnWriteArrayList<>();
    private final HealthListener dispatcher = this::dispatch;
    private final BackendsListener reconciler = this::reconcile;
    private final boolean enabled;
    private volatile boolean running;
    private boolean stopped;
    /** Given (inside a proxy) or started by {@link #start()} (on its own). */
    private RepositoryWatcher watcher;
    private EventLoops loops;
    private boolean ownsLoops;

    /**
     * A monitor of {@code repository}: {@link #start()} runs it on its own event loop and watcher,
     * {@link #start(RepositoryWatcher, EventLoops)} on a proxy's.
     */
    public HealthMonitor(BackendRepository repository, HealthCheckConfig config) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.config = Objects.requireNonNull(config, "config");
        this.enabled = true;
    }

    private HealthMonitor() {
        this.repository = null;
        this.config = UNUSED;
        this.enabled = false;
    }

    /** @return a monitor that probes nothing and finds every backend healthy (health checks off) */
    public static HealthMonitor disabled() {
        return new HealthMonitor();
    }

    /** @return whether this monitor probes anything (false for {@link #disabled()}) */
    public boolean enabled() {
        return enabled;
    }

    /**
     * Starts checking on an event loop of its own, following the repository once per check
     * interval. Idempotent while running. @throws IllegalStateException after {@link #stop()}
     */
    public synchronized HealthMonitor start() {
        if (stopped) {
            throw new IllegalStateException("health monitor was stopped; create a new one");
        }
        if (running || !enabled) {
            return this;
        }
        EventLoops own = EventLoops.start(1, "edgeproxy-health");
        ownsLoops = true;
        return start(new RepositoryWatcher(repository, own.get(0), config.interval()).start(), own);
    }

    /**
     * Starts checking on {@code loops} (probes spread over them), following {@code watcher}: a
     * proxy's. Idempotent while running. @throws IllegalStateException after {@link #stop()}
     */
    public synchronized HealthMonitor start(RepositoryWatcher watcher, EventLoops loops) {
        if (stopped) {
            throw new IllegalStateException("health monitor was stopped; create a new one");
        }
        if (running || !enabled) {
            return this;
        }
        this.watcher = Objects.requireNonNull(watcher, "watcher");
        this.loops = Objects.requireNonNull(loops, "loops");
        running = true;
        watcher.subscribe(reconciler);
        return this;
    }

    /** Stops every checker. Idempotent. */
    public synchronized void stop() {
        stopped = true;
        if (!running) {
            return;
        }
        running = false;
        watcher.unsubscribe(reconciler);
        EventLoop loop = loops.get(0);
        loop.execute(() -> {
            checkers.values().forEach(HealthChecker::stop);
            checkers.clear();
        });
        if (ownsLoops) {
            watcher.close();
            loop.execute(loops::close); // after the checkers stopped, from the loop's own thread
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }
    /**
     * Switches every checker, present and future, to {@code config}, keeping each backend's health.
     * Thread-safe.
     *
     * @throws IllegalStateException on {@link #disabled()}: health checks cannot be switched on here
     */
    public void reconfigure(HealthCheckConfig config) {
        Objects.requireNonNull(config, "config");
        if (!enabled) {
            throw new IllegalStateException("health checks are off; HealthMonitor.disabled() cannot be switched on");
        }
        synchronized (this) {
            this.config = config;
            if (running) {
                // on the loop that reconciles, so that no checker is created with the old settings meanwhile
                loops.get(0).execute(() -> checkers.values().forEach(c -> c.reconfigure(this.config)));
                return;
            }
        }
        checkers.values().forEach(c -> c.reconfigure(config));
    }

    /** @return false only when the backend's probes have marked it down */
    public boolean isHealthy(String backendId) {
        HealthChecker c = checkers.get(backendId);
        return c == null || c.isHealthy();
    }

    /** @return {@link #isHealthy(String)} of the backend's id */
    @Override
    public boolean isAvailable(Backend backend) {
        return isHealthy(backend.id());
    }

    /** @return the backend's status, when the monitor checks it */
    public Optional<HealthStatus> status(String backendId) {
        HealthChecker c = checkers.get(backendId);
        return c == null ? Optional.empty() : Optional.of(c.status());
    }

    /** @return the status of every checked backend, by id, sorted */
    public Map<String, HealthStatus> statuses() {
        Map<String, HealthStatus> out = new TreeMap<>();
        checkers.forEach((id, c) -> out.put(id, c.status()));
        return out;
    }

    /** Adds a listener for changes of health of any backend. @return this monitor */
    public HealthMonitor onChange(HealthListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    public HealthCheckConfig config() {
        return config;
    }

    /** Runs on the watcher's loop whenever the backend set changes. */
    private void reconcile(List<Backend> backends) {
        if (!running) {
            return;
        }
        Map<String, Backend> wanted = new HashMap<>();
        for (Backend b : backends) {
            wanted.put(b.id(), b);
        }
        checkers.entrySet().removeIf(e -> {
            Backend b = wanted.get(e.getKey());
            boolean gone = b == null || !b.socketAddress().equals(e.getValue().address());
            if (gone) {
                e.getValue().stop();
                log.debug("health monitor: stopped checking backend {}", e.getKey());
            }
            return gone;
        });
        for (Backend b : wanted.values()) {
            if (!checkers.containsKey(b.id())) {
                HealthChecker c = new HealthChecker(b.id(), b.socketAddress(), config, loops.next()).onChange(dispatcher);
                checkers.put(b.id(), c);
                c.start();
                log.debug("health monitor: checking backend {} at {}", b.id(), b.socketAddress());
            }
        }
    }

    private void dispatch(String backendId, HealthStatus status) {
        for (HealthListener l : listeners) {
            try {
                l.onHealthChange(backendId, status);
            } catch (RuntimeException e) {
                log.warn("backend {} health listener {} failed", backendId, l, e);
            }
        }
    }

    @Override
    public String toString() {
        return !enabled ? "HealthMonitor[disabled]" : "HealthMonitor[" + checkers.size() + " backends, " + config + "]";
    }
}
