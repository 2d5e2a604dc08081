package io.edgeproxy.infrastructure.loop;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class TimerHeapTest {

    private static final class Recording extends LoopTimer {
        final List<Long> fired;

        Recording(List<Long> fired) {
            this.fired = fired;
        }

        @Override
        protected void expire(long now) {
            fired.add(deadline);
        }

        @Override
        protected void expireFailed(Throwable cause) {
            throw new AssertionError("expire failed", cause);
        }
    }

    @Test
    void expiresDueTimersInDeadlineOrderAndCancelledOnesNever() {
        SplittableRandom random = new SplittableRandom(7);
        List<Long> fired = new ArrayList<>();
        TimerHeap heap = new TimerHeap();
        List<Recording> timers = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            Recording t = new Recording(fired);
            timers.add(t);
            heap.schedule(t, random.nextLong(1_000_000));
        }
        // Cancel half and reschedule a quarter: what is left must fire exactly once, in order.
        for (int i = 0; i < 1_000; i++) {
            heap.cancel(timers.get(i));
        }
        for (int i = 1_000; i < 1_500; i++) {
            heap.schedule(timers.get(i), random.nextLong(1_000_000));
        }
        assertThat(heap.size()).isEqualTo(1_000);

        heap.runExpired(500_000);
        heap.runExpired(1_000_000);

        assertThat(fired).hasSize(1_000).isSorted();
        assertThat(heap.size()).isZero();
        assertThat(timers).allSatisfy(t -> assertThat(t.isScheduled()).isFalse());
    }

    @Test
    void reportsTheWaitUntilTheNextDeadline() {
        TimerHeap heap = new TimerHeap();
        assertThat(heap.nanosUntilNext(0)).isEqualTo(-1);
        heap.schedule(new Recording(new ArrayList<>()), 300);
        heap.schedule(new Recording(new ArrayList<>()), 100);
        assertThat(heap.nanosUntilNext(40)).isEqualTo(60);
        assertThat(heap.nanosUntilNext(400)).isZero();
    }

    @Test
    void handlesNanoTimeWrapAround() {
        List<Long> fired = new ArrayList<>();
        TimerHeap heap = new TimerHeap();
        heap.schedule(new Recording(fired), Long.MAX_VALUE - 10);
        heap.schedule(new Recording(fired), Long.MIN_VALUE + 10); // 21 ns later, past the wrap

        heap.runExpired(Long.MAX_VALUE);
        assertThat(fired).containsExactly(Long.MAX_VALUE - 10);
        heap.runExpired(Long.MIN_VALUE + 10);
        assertThat(fired).containsExactly(Long.MAX_VALUE - 10, Long.MIN_VALUE + 10);
    }
}
