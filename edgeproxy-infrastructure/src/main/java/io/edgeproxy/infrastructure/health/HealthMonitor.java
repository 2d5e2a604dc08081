package io.edgeproxy.infrastructure.health;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.BackendAvailability;
import io.edgeproxy.domain.port.BackendRepository;
import io.edgeproxy.infrastructure.health.internal.ProbeLoop;
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
 * <p>Once per interval it re-reads the repository (skipped when {@link BackendRepository#version()}
 * has not changed): a new backend gets a {@link HealthChecker}, a removed one loses it, one whose
 * address changed gets a fresh checker. So a change in the repository is picked up within one
 * interval. Every backend is probed, whatever its {@link Backend#healthy()} flag (the router
 * requires both).
 *
 * <p>{@link #isHealthy(String)} and {@link #isAvailable(Backend)} are lock-free reads, safe on an
 * event loop. A backend the monitor does not know (not yet synced, or never seen) counts as
 * healthy: the monitor only vetoes on evidence. All probes share one probe loop thread.
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

    private final BackendRepository repository;
    private final HealthCheckConfig config;
    private final ConcurrentHashMap<String, HealthChecker> checkers = new ConcurrentHashMap<>();
    private final List<HealthListener> listeners = new CopyOnWriteArrayList<>();
    private final HealthListener dispatcher = this::dispatch;
    private volatile boolean running;
    private boolean stopped;
    private volatile ProbeLoop loop;

    // owned by the probe loop thread
    private ProbeLoop.Timer syncTimer;
    private long seenVersion;
    private boolean synced;

    public HealthMonitor(BackendRepository repository, HealthCheckConfig config) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Starts checking. Idempotent while running. @throws IllegalStateException after {@link #stop()} */
    public synchronized HealthMonitor start() {
        if (stopped) {
            throw new IllegalStateException("health monitor was stopped; create a new one");
        }
        if (running) {
            return this;
        }
        loop = ProbeLoop.shared();
        running = true;
        loop.execute(this::sync);
        return this;
    }

    /** Stops every checker. Idempotent. */
    public synchronized void stop() {
        if (!running) {
            stopped = true;
            return;
        }
        running = false;
        stopped = true;
        ProbeLoop l = loop;
        l.execute(() -> {
            if (syncTimer != null) {
                syncTimer.cancel();
            }
            checkers.values().forEach(HealthChecker::stop);
            checkers.clear();
            l.release();
        });
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
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

    private void sync() {
        if (!running) {
            return;
        }
        try {
            long version = repository.version();
            if (!synced || version != seenVersion) {
                reconcile(repository.all());
                seenVersion = version;
                synced = true;
            }
        } catch (RuntimeException e) {
            log.warn("health monitor: cannot read the backend repository, keeping the current checks", e);
        } finally {
            if (running) {
                syncTimer = loop.schedule(config.interval().toNanos(), this::sync);
            }
        }
    }

    private void reconcile(List<Backend> backends) {
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
                HealthChecker c = new HealthChecker(b.id(), b.socketAddress(), config).onChange(dispatcher);
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
        return "HealthMonitor[" + checkers.size() + " backends, " + config + "]";
    }
}
