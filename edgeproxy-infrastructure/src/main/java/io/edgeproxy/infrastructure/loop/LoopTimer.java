package io.edgeproxy.infrastructure.loop;

/**
 * A timer owned by one {@link EventLoop}, scheduled with {@link EventLoop#schedule(LoopTimer, long)}.
 * Extend it where a timer is rescheduled often (a connection's connect and idle deadlines): it costs
 * no allocation per schedule or cancel. Not thread-safe: schedule, cancel and expiry all happen on
 * the owning loop.
 */
public abstract class LoopTimer {

    /** Deadline in {@link System#nanoTime()} nanoseconds. */
    long deadline;
    /** Position in the heap, -1 when not scheduled. */
    int index = -1;

    /** Called on the loop once {@code now >= deadline}; the timer is no longer scheduled. */
    protected abstract void expire(long now);

    /** {@link #expire} threw: release what the owner holds. Must not throw. */
    protected abstract void expireFailed(Throwable cause);

    /** @return whether the timer is waiting for its deadline */
    public final boolean isScheduled() {
        return index >= 0;
    }

    /** @return the deadline it was last scheduled for, in {@link System#nanoTime()} nanoseconds */
    public final long deadline() {
        return deadline;
    }
}
