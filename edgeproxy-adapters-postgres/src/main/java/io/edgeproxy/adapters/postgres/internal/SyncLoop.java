package io.edgeproxy.adapters.postgres.internal;

import io.edgeproxy.domain.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The thread that keeps a snapshot of the database current: it reloads every
 * {@code reloadInterval}, and at once when the change listener hears a {@code NOTIFY}.
 *
 * <p>How it works: one platform thread, never an event loop, alternates between reloading and
 * waiting. With notifications on, it waits inside the listening connection (so a change wakes it
 * within a round trip); without, it sleeps until the next reload. A lost listening connection is
 * reopened with {@link Backoff}, and every (re)open is followed by a reload, since changes made
 * while nobody listened were not heard. A periodic reload also checks that the listening
 * connection still answers, which catches a connection that died silently.
 *
 * <p>Outages: the first failure (of a reload or of the listener) logs one warning, and the first
 * reload that succeeds with everything connected again logs one line with the outage's length.
 * Failures in between are logged at debug level only. Readers keep the last snapshot throughout.
 */
public final class SyncLoop implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SyncLoop.class);
    private static final long INITIAL_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);

    /** Reads the database into a new snapshot. */
    @FunctionalInterface
    public interface Reload {
        /** @return the number of live backends now published */
        int run() throws SQLException;
    }

    private final ConnectionUrl database;
    private final Reload reload;
    private final Connections connections;
    private final boolean listen;
    private final int queryTimeoutSeconds;
    private final long intervalNanos;
    private final Ticker ticker;
    private final Backoff backoff;
    private final Thread thread;

    private volatile boolean running = true;
    private volatile ChangeListener listener;
    private long outageSince = -1;
    private int lastCount;

    /**
     * @param database     named (masked) in log lines; its password is redacted from every reason logged
     * @param connections  where the listening connection comes from; unused when {@code listen} is off
     * @param listen       whether to LISTEN for changes besides reloading periodically
     * @param initialCount the number of backends of the snapshot loaded before the loop starts
     */
    public SyncLoop(ConnectionUrl database, Reload reload, Connections connections, boolean listen,
                    int queryTimeoutSeconds, Duration reloadInterval, int initialCount, Ticker ticker) {
        this.database = database;
        this.reload = reload;
        this.connections = connections;
        this.listen = listen;
        this.queryTimeoutSeconds = queryTimeoutSeconds;
        this.intervalNanos = reloadInterval.toNanos();
        this.lastCount = initialCount;
        this.ticker = ticker;
        this.backoff = new Backoff(INITIAL_BACKOFF_NANOS, Math.min(MAX_BACKOFF_NANOS, intervalNanos));
        this.thread = new Thread(this::run, "edgeproxy-postgres-sync");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        long nextReload = ticker.nanoTime() + intervalNanos;
        long nextListen = ticker.nanoTime();
        boolean reloadNow = false;
        while (running) {
            long now = ticker.nanoTime();
            if (listen && listener == null && now - nextListen >= 0) {
                reloadNow |= openListener();
                if (listener == null) {
                    nextListen = ticker.nanoTime() + backoff.nextDelayNanos();
                }
            }
            if (reloadNow || now - nextReload >= 0) {
                boolean periodic = !reloadNow;
                reloadNow = false;
                nextReload = ticker.nanoTime() + intervalNanos;
                if (periodic) {
                    checkListener();
                }
                reloadOnce();
            }
            long until = listen && listener == null ? earliest(nextReload, nextListen) : nextReload;
            reloadNow = waitForChange(until);
        }
    }

    /** @return whether a listener is now open (and a reload is due to catch up) */
    private boolean openListener() {
        try {
            listener = ChangeListener.listen(connections.openUnpooled(), queryTimeoutSeconds);
            backoff.reset();
            return true;
        } catch (SQLException | RuntimeException e) {
            failed("cannot listen for changes", e);
            return false;
        }
    }

    private void checkListener() {
        ChangeListener current = listener;
        try {
            if (current != null && !current.isAlive(queryTimeoutSeconds)) {
                throw new SQLException("the listening connection no longer answers");
            }
        } catch (SQLException e) {
            dropListener(e);
        }
    }

    private void reloadOnce() {
        try {
            lastCount = reload.run();
            if (outageSince >= 0 && (!listen || listener != null)) {
                Duration outage = Duration.ofNanos(ticker.nanoTime() - outageSince);
                outageSince = -1;
                LOG.info("PostgreSQL backend registry {} is back after {} ms; {} live backends", database,
                        outage.toMillis(), lastCount);
            }
        } catch (SQLException | RuntimeException e) {
            failed("cannot reload backends", e);
        }
    }

    /** @return whether a change was heard before {@code until} (a nanoTime) */
    private boolean waitForChange(long until) {
        long waitNanos = until - ticker.nanoTime();
        if (waitNanos <= 0 || !running) {
            return false;
        }
        ChangeListener current = listener;
        if (current == null) {
            try {
                TimeUnit.NANOSECONDS.sleep(waitNanos);
            } catch (InterruptedException e) {
                running = false;
            }
            return false;
        }
        try {
            return current.await(TimeUnit.NANOSECONDS.toMillis(waitNanos) + 1);
        } catch (SQLException e) {
            if (running) {
                dropListener(e);
            }
            return false;
        }
    }

    private void dropListener(SQLException cause) {
        ChangeListener lost = listener;
        listener = null;
        if (lost != null) {
            lost.close();
        }
        failed("lost the listening connection", cause);
    }

    private void failed(String what, Exception e) {
        if (!running) {
            return;
        }
        String reason = database.redact(String.valueOf(e.getMessage()));
        if (outageSince < 0) {
            outageSince = ticker.nanoTime();
            LOG.warn("PostgreSQL backend registry {} unavailable: {} ({}); routing from the last snapshot of {}"
                    + " backends and retrying until it is back", database, what, reason, lastCount);
        } else {
            LOG.debug("PostgreSQL backend registry {} still unavailable: {} ({})", database, what, reason);
        }
    }

    private static long earliest(long a, long b) {
        return a - b <= 0 ? a : b;
    }

    /** Stops the thread and closes the listening connection; waits up to 5 seconds for the thread. */
    @Override
    public void close() {
        running = false;
        ChangeListener current = listener;
        if (current != null) {
            current.abort();
        }
        thread.interrupt();
        try {
            thread.join(JOIN_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        current = listener;
        if (current != null) {
            current.close();
        }
    }
}
