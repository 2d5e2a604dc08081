package io.edgeproxy.infrastructure.ratelimit.internal;

import io.edgeproxy.domain.Ticker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded, lock-free table of token buckets keyed by a 128-bit client key, each bucket kept in
 * the GCRA form: one {@code long} "theoretical arrival time" (TAT).
 *
 * <h2>How it works</h2>
 * <p><b>Exact time.</b> Time is counted in units of {@code 1 / (2r)} ns, where
 * {@code r / w = maxRequests / windowNanos} reduced by their gcd: one nanosecond is {@code 2r} units
 * and one token is {@code 2w} units, so the refill rate is represented exactly and no fraction of a
 * token is ever lost. Values wrap modulo 2^64 and are only ever compared by difference, like TCP
 * sequence numbers. Every value is even; bit 0 is the "frozen" mark described below.
 *
 * <p><b>GCRA.</b> A bucket's debt is {@code tat - now}, clamped to 0 when negative (the bucket has
 * refilled to full). Taking {@code c} tokens adds {@code c * 2w} units of debt; it is allowed when
 * the debt stays within {@code burst * 2w}. One CAS on the TAT per allowed call; a denied call
 * writes nothing.
 *
 * <p><b>Reading order.</b> Each operation is linearized at its clock reading {@code now}, and
 * that is exact as long as no earlier-linearized update carries a later reading. A TAT is written
 * as {@code now' + debt} with {@code debt <= capacity}. So:
 * <ul>
 *   <li>{@code tat <= now} (full bucket): the writer read {@code now' <= tat <= now}; the order
 *       holds and the new TAT is {@code now + need}.</li>
 *   <li>{@code 0 < tat - now <= capacity}: the new TAT is {@code tat + need} whatever the clock
 *       says (any reading up to {@code tat} gives the same), so an older reading is exact.</li>
 *   <li>{@code tat - now > capacity}: the TAT was written with a later reading than ours; the
 *       clock is read again (after the TAT, so {@code now >= now'}, the ticker being monotonic
 *       across threads as {@code System.nanoTime()} is). If the debt still exceeds the capacity
 *       with a reading taken after the TAT, no update can have produced it: it is an entry left
 *       untouched long enough for the 64-bit count to wrap, and counts as full.</li>
 *   <li>A refusal decided on an older reading could be pessimistic by the few nanoseconds between
 *       that reading and the writer's; when the refusal is that close (within 100 microseconds of an
 *       allowance) the clock is read again first. A refusal takes nothing either way.</li>
 * </ul>
 * The clock is thus read first, outside the window between reading the TAT and the CAS, which
 * keeps that window short under contention on one client. A thread that loses the CAS spins
 * briefly (16, then up to 256 {@code Thread.onSpinWait()}) before retrying: never a park, and only
 * when another thread just succeeded on the same client; it doubles throughput when two threads
 * hammer one client.
 *
 * <p><b>Layout.</b> The table is an array of groups. A key hashes (with a random per-table seed) to
 * one group and may only live there. A group is an immutable-layout {@code long[]} of up to 8
 * entries {@code {hi, lo, tat}}: while a group array is current only its TAT slots change, by CAS.
 * The per-group capacities add up to exactly {@code maxEntries}, so the table never tracks more.
 *
 * <p><b>Changing a group's layout</b> (insert a new client, drop full buckets, evict at the cap,
 * remove a client) builds a new array and swaps it in with one CAS on the group slot. Before that,
 * the builder <em>freezes</em> every TAT of the old array (sets bit 0) so that no consumer can win a
 * CAS on an array that is being replaced: the new array is built from final values and no token
 * is lost or granted twice. A consumer that meets a frozen TAT rebuilds the group itself (any
 * rebuild of a frozen array is as good as another) and retries, so a stalled thread never blocks
 * the others: every step is a CAS that some thread wins.
 *
 * <p><b>Forgetting.</b> A bucket whose debt is 0 is indistinguishable from an absent one, so it may
 * be dropped at any time without changing any answer. Every rebuild drops the buckets that have
 * been full for a whole window (an amortized sweep; keeping them that long spares a client that
 * comes back often a re-insertion per visit), and each insertion also sweeps the next group of a
 * round-robin cursor, so they go even in groups that see no new client. {@link #sweep()} drops
 * every full bucket at once. When a group is at its capacity and a new client arrives, the entry
 * with the smallest TAT goes: the bucket full for the longest, else the one that owes the least,
 * whose loss matters least.
 *
 * <p>Thread-safe and lock-free. Allocation happens only when a group's layout changes.
 */
public final class GcraTable implements KeyedLimiter {

    /** Entries per group: 8 entries of 3 longs are 3 cache lines to scan. */
    static final int WAYS = 8;
    private static final int STRIDE = 3;
    private static final long FROZEN = 1L;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private static final int SWEEP = 0;
    private static final int INSERT = 1;
    private static final int REMOVE = 2;
    private static final int PURGE = 3;
    private static final long MAX_GRACE = 1L << 61;
    /** Spin-waits after a first lost CAS on one bucket, doubling per further loss up to the max. */
    private static final int BACKOFF_MIN_SPINS = 16;
    private static final int BACKOFF_MAX_SPINS = 256;
    /** A refusal closer than this to an allowance is decided on a clock read after the TAT. */
    private static final long REFUSAL_SLACK_NANOS = 100_000;

    private final AtomicReferenceArray<long[]> groups;
    private final int groupCount;
    private final int maxEntries;
    private final int burst;
    private final long unitsPerNano;
    private final long unitsPerToken;
    private final long capacityUnits;
    private final long graceUnits;
    private final long refusalSlackUnits;
    private final Ticker ticker;
    private final long epoch;
    private final long seed;
    private final AtomicInteger sweepCursor = new AtomicInteger();

    /**
     * @param maxRequests tokens per window, >= 1
     * @param windowNanos the window, > 0
     * @param burst       bucket capacity, >= 1
     * @param maxEntries  the most entries tracked, >= 1
     * @param ticker      the clock
     * @param seed        the hash seed (random in production, so group placement cannot be predicted)
     */
    public GcraTable(int maxRequests, long windowNanos, int burst, int maxEntries, Ticker ticker, long seed) {
        long g = gcd(windowNanos, maxRequests);
        this.unitsPerNano = 2L * (maxRequests / g);
        this.unitsPerToken = 2L * (windowNanos / g);
        this.capacityUnits = Math.multiplyExact(unitsPerToken, (long) burst);
        // one window, in units: maxRequests tokens
        this.graceUnits = maxRequests > MAX_GRACE / unitsPerToken ? MAX_GRACE : maxRequests * unitsPerToken;
        this.refusalSlackUnits = REFUSAL_SLACK_NANOS * unitsPerNano;
        this.burst = burst;
        this.maxEntries = maxEntries;
        this.groupCount = (int) ((maxEntries + (long) WAYS - 1) / WAYS);
        this.groups = new AtomicReferenceArray<>(groupCount);
        this.ticker = ticker;
        this.epoch = ticker.nanoTime();
        this.seed = seed;
    }

    @Override
    public boolean tryAcquire(long hi, long lo, int tokens) {
        if (tokens > burst) {
            return false;
        }
        final long need = tokens * unitsPerToken;
        final int gi = groupOf(hi, lo);
        // The clock is read first, outside the read-CAS window (it is the slowest step); see
        // "Reading order" for when an older reading is still exact, and when it is read again.
        long now = now();
        for (;;) {
            long[] g = groups.get(gi);
            int i = indexOf(g, hi, lo);
            if (i < 0) {
                long[] ng = rebuild(gi, g, INSERT, hi, lo, need);
                if (groups.compareAndSet(gi, g, ng)) {
                    sweepNext();
                    return true;
                }
                continue;
            }
            long tat = (long) LONGS.getVolatile(g, i + 2);
            boolean fresh = false;     // whether now was read after this tat
            int spins = BACKOFF_MIN_SPINS;
            for (;;) {
                if ((tat & FROZEN) != 0) {
                    help(gi, g);
                    break;
                }
                long d = tat - now;
                if (d > capacityUnits) {
                    if (!fresh) {      // tat was written with a later clock reading than ours
                        now = now();
                        fresh = true;
                        continue;
                    }
                    d = 0;             // beyond the capacity with a fresh clock: an entry left to wrap
                }
                long debt = Math.max(d, 0) + need;
                if (debt > capacityUnits) {
                    if (!fresh && debt - capacityUnits <= refusalSlackUnits) {
                        now = now();   // close call: decide on a clock read after tat
                        fresh = true;
                        continue;
                    }
                    return false;
                }
                long witness = (long) LONGS.compareAndExchange(g, i + 2, tat, now + debt);
                if (witness == tat) {
                    return true;
                }
                // Lost to another update (which therefore succeeded): back off a little, spinning,
                // never parking, so that one contender gets a run instead of both bouncing the
                // cache line; then retry on the winner's value.
                for (int k = 0; k < spins; k++) {
                    Thread.onSpinWait();
                }
                spins = Math.min(spins << 1, BACKOFF_MAX_SPINS);
                tat = witness;
                fresh = false;
            }
        }
    }

    @Override
    public int available(long hi, long lo) {
        long[] g = groups.get(groupOf(hi, lo));
        int i = indexOf(g, hi, lo);
        if (i < 0) {
            return burst;
        }
        long tat = (long) LONGS.getVolatile(g, i + 2) & ~FROZEN;
        long now = now();
        return (int) ((capacityUnits - debt(tat, now)) / unitsPerToken);
    }

    @Override
    public void remove(long hi, long lo) {
        int gi = groupOf(hi, lo);
        for (;;) {
            long[] g = groups.get(gi);
            if (indexOf(g, hi, lo) < 0) {
                return;
            }
            long[] ng = rebuild(gi, g, REMOVE, hi, lo, 0L);
            if (groups.compareAndSet(gi, g, ng)) {
                return;
            }
        }
    }

    @Override
    public void clear() {
        for (int gi = 0; gi < groupCount; gi++) {
            for (;;) {
                long[] g = groups.get(gi);
                if (g == null) {
                    break;
                }
                freeze(g);
                if (groups.compareAndSet(gi, g, null)) {
                    break;
                }
            }
        }
    }

    @Override
    public int size() {
        int n = 0;
        for (int gi = 0; gi < groupCount; gi++) {
            long[] g = groups.get(gi);
            if (g != null) {
                n += g.length / STRIDE;
            }
        }
        return n;
    }

    @Override
    public void sweep() {
        for (int gi = 0; gi < groupCount; gi++) {
            for (;;) {
                long[] g = groups.get(gi);
                if (g == null || groups.compareAndSet(gi, g, rebuild(gi, g, PURGE, 0L, 0L, 0L))) {
                    break;
                }
            }
        }
    }

    /** @return the most entries this table holds */
    public int maxEntries() {
        return maxEntries;
    }

    private long now() {
        return (ticker.nanoTime() - epoch) * unitsPerNano;
    }

    private long debt(long tat, long now) {
        long d = tat - now;
        return d > 0 && d <= capacityUnits ? d : 0L;
    }

    private int groupOf(long hi, long lo) {
        long h = (lo ^ seed) * 0x9E3779B97F4A7C15L + hi * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) (((h >>> 32) * groupCount) >>> 32);
    }

    private int capacityOf(int gi) {
        return (int) ((long) maxEntries * (gi + 1) / groupCount - (long) maxEntries * gi / groupCount);
    }

    private static int indexOf(long[] g, long hi, long lo) {
        if (g != null) {
            for (int i = 0; i < g.length; i += STRIDE) {
                if (g[i + 1] == lo && g[i] == hi) {
                    return i;
                }
            }
        }
        return -1;
    }

    private void help(int gi, long[] g) {
        if (groups.get(gi) == g) {
            groups.compareAndSet(gi, g, rebuild(gi, g, SWEEP, 0L, 0L, 0L));
        }
    }

    private void sweepNext() {
        sweepGroup(Math.floorMod(sweepCursor.getAndIncrement(), groupCount));
    }

    private void sweepGroup(int gi) {
        long[] g = groups.get(gi);
        if (g == null) {
            return;
        }
        // Only a hint: a TAT written after this clock reading looks full here, and the rebuild
        // re-checks everything with a fresh clock anyway.
        long now = now();
        for (int i = 2; i < g.length; i += STRIDE) {
            long tat = (long) LONGS.getVolatile(g, i);
            if ((tat & FROZEN) != 0 || forgettable(tat, now, SWEEP)) {
                groups.compareAndSet(gi, g, rebuild(gi, g, SWEEP, 0L, 0L, 0L));
                return;
            }
        }
    }

    private static void freeze(long[] g) {
        for (int i = 2; i < g.length; i += STRIDE) {
            for (;;) {
                long v = (long) LONGS.getVolatile(g, i);
                if ((v & FROZEN) != 0 || LONGS.compareAndSet(g, i, v, v | FROZEN)) {
                    break;
                }
            }
        }
    }

    /**
     * Freezes {@code old} and builds its successor: live buckets only, minus {@code (hi, lo)} for
     * REMOVE, plus {@code (hi, lo)} owing {@code need} units for INSERT (evicting the smallest debt
     * when at capacity).
     *
     * @return the new group, or null when it would be empty
     */
    private long[] rebuild(int gi, long[] old, int mode, long hi, long lo, long need) {
        int n = 0;
        int live = 0;
        if (old != null) {
            freeze(old);
        }
        long now = now(); // after the freeze, so after every TAT it is compared with
        if (old != null) {
            n = old.length / STRIDE;
            for (int k = 0; k < n; k++) {
                if (keeps(old, k * STRIDE, now, mode, hi, lo)) {
                    live++;
                }
            }
        }
        int victim = -1;
        if (mode == INSERT && live >= capacityOf(gi)) {
            // the smallest TAT: the bucket full for the longest, else the one that owes the least
            long smallest = Long.MAX_VALUE;
            for (int k = 0; k < n; k++) {
                int i = k * STRIDE;
                if (keeps(old, i, now, mode, hi, lo)) {
                    long d = (old[i + 2] & ~FROZEN) - now;
                    if (d < smallest) {
                        smallest = d;
                        victim = i;
                    }
                }
            }
            live--;
        }
        int size = live + (mode == INSERT ? 1 : 0);
        if (size == 0) {
            return null;
        }
        long[] ng = new long[size * STRIDE];
        int j = 0;
        for (int k = 0; k < n; k++) {
            int i = k * STRIDE;
            if (i != victim && keeps(old, i, now, mode, hi, lo)) {
                ng[j] = old[i];
                ng[j + 1] = old[i + 1];
                ng[j + 2] = old[i + 2] & ~FROZEN;
                j += STRIDE;
            }
        }
        if (mode == INSERT) {
            ng[j] = hi;
            ng[j + 1] = lo;
            ng[j + 2] = now + need;
        }
        return ng;
    }

    private boolean keeps(long[] g, int i, long now, int mode, long hi, long lo) {
        if (forgettable(g[i + 2] & ~FROZEN, now, mode)) {
            return false;
        }
        return mode != REMOVE || g[i] != hi || g[i + 1] != lo;
    }

    /**
     * A full bucket is the same as no bucket, so it may go; it is kept for one window after it
     * filled (unless purging) so that a client coming back often does not re-enter the table, with
     * an allocation, on every visit. An entry left to wrap always goes.
     */
    private boolean forgettable(long tat, long now, int mode) {
        long d = tat - now;
        if (d > 0) {
            return d > capacityUnits;
        }
        return mode == PURGE || Long.compareUnsigned(-d, graceUnits) >= 0;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
