package io.edgeproxy.infrastructure.proxy.internal;

/**
 * A timer owned by one event loop, kept in that loop's {@link TimerHeap}. Not thread-safe: schedule,
 * cancel and expiry all happen on the owning loop.
 */
abstract class LoopTimer {

    /** Deadline in {@link System#nanoTime()} nanoseconds. */
    long deadline;
    /** Position in the heap, -1 when not scheduled. */
    int index = -1;

    /** Called on the loop once {@code now >= deadline}; the timer is no longer scheduled. */
    abstract void expire(long now);

    /** {@link #expire} threw: release what the owner holds. Must not throw. */
    abstract void expireFailed(Throwable cause);

    final boolean isScheduled() {
        return index >= 0;
    }
}
