package io.edgeproxy.infrastructure.loop;

import java.util.Arrays;

/**
 * A binary min-heap of {@link LoopTimer}s by deadline, where each timer knows its index so that
 * cancel and reschedule cost O(log n) and a cancelled timer leaves nothing behind (a closed
 * connection's hour-long idle timer must not linger). Confined to one event loop.
 */
final class TimerHeap {

    private LoopTimer[] heap = new LoopTimer[64];
    private int size;

    /** (Re)schedules {@code timer} at {@code deadline}. */
    void schedule(LoopTimer timer, long deadline) {
        if (timer.isScheduled()) {
            removeAt(timer.index);
        }
        timer.deadline = deadline;
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = timer;
        timer.index = size;
        size++;
        siftUp(timer.index);
    }

    void cancel(LoopTimer timer) {
        if (timer.isScheduled()) {
            removeAt(timer.index);
        }
    }

    int size() {
        return size;
    }

    /** @return nanoseconds until the first deadline (0 if due), or -1 when there is no timer */
    long nanosUntilNext(long now) {
        if (size == 0) {
            return -1;
        }
        return Math.max(0, heap[0].deadline - now);
    }

    /** Expires every timer due at {@code now}, earliest first. */
    void runExpired(long now) {
        while (size > 0 && heap[0].deadline - now <= 0) {
            LoopTimer t = heap[0];
            removeAt(0);
            try {
                t.expire(now);
            } catch (Throwable e) {
                t.expireFailed(e);
                if (EventLoop.isFatal(e)) {
                    throw e; // the loop reports it and fails closed
                }
            }
        }
    }

    private void removeAt(int i) {
        LoopTimer removed = heap[i];
        removed.index = -1;
        size--;
        if (i == size) {
            heap[size] = null;
            return;
        }
        LoopTimer last = heap[size];
        heap[size] = null;
        heap[i] = last;
        last.index = i;
        siftDown(i);
        if (heap[i] == last) {
            siftUp(i);
        }
    }

    private void siftUp(int i) {
        LoopTimer t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            LoopTimer p = heap[parent];
            if (t.deadline - p.deadline >= 0) {
                break;
            }
            heap[i] = p;
            p.index = i;
            i = parent;
        }
        heap[i] = t;
        t.index = i;
    }

    private void siftDown(int i) {
        LoopTimer t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            LoopTimer c = heap[child];
            int right = child + 1;
            if (right < size && heap[right].deadline - c.deadline < 0) {
                child = right;
                c = heap[child];
            }
            if (t.deadline - c.deadline <= 0) {
                break;
            }
            heap[i] = c;
            c.index = i;
            i = child;
        }
        heap[i] = t;
        t.index = i;
    }
}
