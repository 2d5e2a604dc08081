package io.edgeproxy.infrastructure.loop;

/** A task scheduled with {@link EventLoop#schedule(java.time.Duration, Runnable)}. */
public interface Scheduled {

    /** Stops the task from running, if it has not run yet. Safe from any thread; idempotent. */
    void cancel();
}
