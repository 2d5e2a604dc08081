package io.edgeproxy.infrastructure.health;

import io.edgeproxy.infrastructure.health.internal.HealthThresholds;
import io.edgeproxy.infrastructure.health.internal.HttpStatusCheck;
import io.edgeproxy.infrastructure.health.internal.Probe;
import io.edgeproxy.infrastructure.health.internal.ProbeCallback;
import io.edgeproxy.infrastructure.loop.EventLoop;
import io.edgeproxy.infrastructure.loop.EventLoops;
import io.edgeproxy.infrastructure.loop.Scheduled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Probes one backend at a regular interval and keeps its {@link HealthStatus}.
 *
 * <ul>
 *   <li>The backend starts healthy (as HAProxy starts a server UP), turns unhealthy after
 *       {@link HealthCheckConfig#unhealthyThreshold()} failed probes in a row, and healthy again
 *       after {@link HealthCheckConfig#healthyThreshold()} passing probes in a row.</li>
 *   <li>A probe fails when it does not complete within {@link HealthCheckConfig#timeout()}: a TCP
 *       probe must connect; an HTTP probe must also receive a status line with the expected code.</li>
 *   <li>Probes are non-blocking, on an {@link EventLoop}: the proxy's own loops when the checker runs
 *       inside a proxy, else a group of one loop the checker starts and stops with itself (no
 *       thread per backend in a proxy). The first probe comes at a random point within the first interval
 *       and every interval varies by {@link HealthCheckConfig#jitter()}, so checkers started
 *       together, and proxies started together, drift apart. Probes of one backend never overlap:
 *       the next starts one interval after the previous one started, or when it ends if later.</li>
 *   <li>Changes of health are logged (WARN down, INFO up) and told to the listeners, on the probe
 *       loop's thread.</li>
 * </ul>
 *
 * <p>{@link #reconfigure(HealthCheckConfig)} changes the probe and the thresholds of a running
 * checker and keeps what it knows: a backend that is DOWN stays DOWN, one that is UP stays UP unless
 * its failures in a row already reach the new unhealthy threshold.
 *
 * <p>Thread-safe: {@link #start()}, {@link #stop()}, {@link #reconfigure} and {@link #status()} may
 * be called from any thread; {@link #status()} is one volatile read.
 *
 * <pre>{@code
 * HealthChecker checker = new HealthChecker("backend-1", new InetSocketAddress("10.50.1.1", 8080),
 *         HealthCheckConfig.builder().checkType(HealthCheckType.http("/health", 200)).build());
 * checker.start();
 * boolean up = checker.status().healthy();
 * checker.stop();
 * }</pre>
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private static final int NEW = 0;
    private static final int RUNNING = 1;
    private static final int STOPPED = 2;

    private final String backendId;
    private final InetSocketAddress address;
    private volatile HealthCheckConfig config;
    private final List<HealthListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger lifecycle = new AtomicInteger(NEW);
    /** Owned by the loop thread once started. */
    private HealthThresholds thresholds;
    private volatile HealthStatus status = HealthStatus.initial();

    /** The loop the probes run on: given, or started by {@link #start()} when this checker runs alone. */
    private volatile EventLoop loop;
    private EventLoops ownLoops;

    // owned by the loop thread
    private Scheduled nextProbe;
    private Probe inFlight;
    private long probeStartedAt;

    /**
     * A checker on its own: {@link #start()} starts a group of one event loop for it, {@link #stop()}
     * stops that group.
     *
     * @param backendId names the backend in logs and listeners
     * @param address   a resolved address (an IP literal and port): probes never look up DNS
     * @throws IllegalArgumentException when the address is unresolved
     */
    public HealthChecker(String backendId, InetSocketAddress address, HealthCheckConfig config) {
        this(backendId, address, config, null);
    }

    /**
     * A checker whose probes run on {@code loop} (a proxy's, shared with its connections).
     *
     * @throws IllegalArgumentException when the address is unresolved
     */
    public HealthChecker(String backendId, InetSocketAddress address, HealthCheckConfig config, EventLoop loop) {
        this.loop = loop;
        this.backendId = Objects.requireNonNull(backendId, "backendId");
        this.address = Objects.requireNonNull(address, "address");
        this.config = Objects.requireNonNull(config, "config");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("address must be resolved (an IP literal), but was " + address);
        }
        this.thresholds = new HealthThresholds(config.healthyThreshold(), config.unhealthyThreshold());
    }

    /** Starts probing. Idempotent while running. @throws IllegalStateException after {@link #stop()} */
    public synchronized HealthChecker start() {
        if (lifecycle.get() == STOPPED) {
            throw new IllegalStateException("health checker " + backendId + " was stopped; create a new one");
        }
        if (lifecycle.get() == RUNNING) {
            return this;
        }
        if (loop == null) {
            ownLoops = EventLoops.start(1, "edgeproxy-health-" + backendId);
            loop = ownLoops.get(0);
        }
        EventLoop l = loop;
        lifecycle.set(RUNNING);
        l.execute(() -> {
            if (lifecycle.get() == RUNNING) {
                scheduleProbe((long) (ThreadLocalRandom.current().nextDouble() * config.interval().toNanos()));
            }
        });
        return this;
    }

    /** Stops probing and abandons a probe in flight. Idempotent. The last status stays readable. */
    public synchronized void stop() {
        int was = lifecycle.getAndSet(STOPPED);
        if (was != RUNNING) {
            return;
        }
        EventLoops own = ownLoops;
        loop.execute(() -> {
            if (nextProbe != null) {
                nextProbe.cancel();
            }
            if (inFlight != null) {
                inFlight.cancel();
            }
            if (own != null) {
                own.close(); // from its own thread: the loop ends after this task
            }
        });
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /**
     * Switches to {@code config}: the next probe uses its type, timeout and interval (a probe waiting
     * for a longer old interval is moved up), and the status is carried over to its thresholds (see
     * the class comment); a change of health this causes is announced as usual. Thread-safe; applied
     * on the probe loop.
     */
    public void reconfigure(HealthCheckConfig config) {
        Objects.requireNonNull(config, "config");
        EventLoop l = loop;
        if (l == null || lifecycle.get() != RUNNING) {
            this.config = config;
            this.thresholds = carriedOver(status, config);
            this.status = thresholds.status();
            return;
        }
        l.execute(() -> {
            HealthStatus before = status;
            this.config = config;
            thresholds = carriedOver(before, config);
            HealthStatus after = thresholds.status();
            status = after;
            if (after.healthy() != before.healthy()) {
                announce(after);
            }
            if (nextProbe != null && inFlight == null && lifecycle.get() == RUNNING) {
                nextProbe.cancel();
                scheduleProbe(probeStartedAt + config.interval().toNanos() - System.nanoTime());
            }
        });
    }

    /**
     * Thresholds of {@code config} in the state {@code status} describes, reached by replaying it (the
     * threshold rule has no other entry): the failures that took it down, then its successes and
     * failures in a row since.
     */
    private static HealthThresholds carriedOver(HealthStatus status, HealthCheckConfig config) {
        HealthThresholds t = new HealthThresholds(config.healthyThreshold(), config.unhealthyThreshold());
        String error = status.lastError().orElse("marked down before a reconfiguration");
        if (!status.healthy()) {
            for (int i = 0; i < config.unhealthyThreshold(); i++) {
                t.failed(error);
            }
        }
        for (int i = 0; i < Math.min(status.consecutiveSuccesses(), config.healthyThreshold()); i++) {
            t.passed(status.lastLatency().orElse(Duration.ZERO));
        }
        for (int i = 0; i < Math.min(status.consecutiveFailures(), config.unhealthyThreshold()); i++) {
            t.failed(error);
        }
        return t;
    }

    /** @return the latest status; {@link HealthStatus#initial()} (healthy) before the first probe */
    public HealthStatus status() {
        return status;
    }

    /** @return {@code status().healthy()} */
    public boolean isHealthy() {
        return status.healthy();
    }

    /** Adds a listener for changes of health. @return this checker */
    public HealthChecker onChange(HealthListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    public String backendId() {
        return backendId;
    }

    public InetSocketAddress address() {
        return address;
    }

    public HealthCheckConfig config() {
        return config;
    }

    private void scheduleProbe(long delayNanos) {
        nextProbe = loop.schedule(Duration.ofNanos(Math.max(0, delayNanos)), this::probe);
    }

    private void probe() {
        if (lifecycle.get() != RUNNING) {
            return;
        }
        probeStartedAt = System.nanoTime();
        inFlight = new Probe(loop, address, config.checkType(), new ProbeCallback() {
            @Override
            public void passed(long latencyNanos) {
                completed(thresholds.passed(Duration.ofNanos(latencyNanos)));
            }

            @Override
            public void failed(String error) {
                completed(thresholds.failed(error));
            }
        });
        inFlight.start(config.timeout().toNanos());
    }

    private void completed(boolean changed) {
        inFlight = null;
        if (lifecycle.get() != RUNNING) {
            return;
        }
        HealthStatus s = thresholds.status();
        status = s;
        if (changed) {
            announce(s);
        }
        long interval = config.interval().toNanos();
        long jittered = (long) (interval * (1 + config.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1)));
        scheduleProbe(probeStartedAt + jittered - System.nanoTime());
    }

    private void announce(HealthStatus s) {
        if (s.healthy()) {
            log.info("backend {} ({}) marked UP after {} passed checks", backendId, HttpStatusCheck.hostHeader(address), s.consecutiveSuccesses());
        } else {
            log.warn("backend {} ({}) marked DOWN after {} failed checks ({})", backendId, HttpStatusCheck.hostHeader(address),
                    s.consecutiveFailures(), s.lastError().orElse("?"));
        }
        for (HealthListener l : listeners) {
            try {
                l.onHealthChange(backendId, s);
            } catch (RuntimeException e) {
                log.warn("backend {} health listener {} failed", backendId, l, e);
            }
        }
    }

    @Override
    public String toString() {
        return "HealthChecker[" + backendId + " " + HttpStatusCheck.hostHeader(address) + " " + config.checkType() + " " + status + "]";
    }
}
