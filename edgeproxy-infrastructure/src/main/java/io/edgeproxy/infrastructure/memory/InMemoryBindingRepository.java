package io.edgeproxy.infrastructure.memory;

import io.edgeproxy.domain.Binding;
import io.edgeproxy.domain.ClientKey;
import io.edgeproxy.domain.port.BindingRepository;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Client bindings in memory, at most {@code maxBindings} of them, so a flood of distinct source
 * addresses cannot grow memory without bound. When the table is full, saving a new client's binding
 * first evicts one: the least recently used of {@value #EVICTION_SAMPLES} bindings drawn at random
 * (Redis's approximated LRU, {@code allkeys-lru} with {@code maxmemory-samples 5}). Eviction costs
 * the same whatever the cap and whatever the keys, and favours no client by its address; the evicted
 * client only loses its affinity, never its connection. Expired bindings are removed by
 * {@link #removeExpired}, which the proxy calls on a schedule.
 *
 * <p>Thread-safe. Every call holds the lock of one segment of the table for a small, bounded amount
 * of work (a hash lookup, {@value #EVICTION_SAMPLES} samples, or one chunk of a clean-up; rarely, the
 * copy of one segment's arrays as it grows), so an event loop never waits behind a long operation.
 * A binding takes about 90 bytes with an IPv4 client, its key string included (measured by
 * {@code InMemoryBindingRepositoryMemoryTest}). The default cap follows from the heap: as many
 * bindings as fill a tenth of it at {@value #BYTES_PER_BINDING} bytes each, at most 1,000,000 (under
 * 100 MB) and at least 10,000 (see {@link #defaultMaxBindings()}); so a flood of addresses cannot
 * take a small heap. Backend ids are stored as one shared instance per id, never as copies.
 *
 * <pre>{@code
 * EdgeProxy.builder().bindingRepository(new InMemoryBindingRepository(100_000))...
 * }</pre>
 */
public final class InMemoryBindingRepository implements BindingRepository {

    /*
     * How it works. The table is split into segments by key hash (one segment below 8192 bindings,
     * up to 64 for large caps), each with its own lock; one atomic count of all bindings enforces
     * the cap. A save of a new client first reserves its place in the count; when that goes over the
     * cap, it evicts from its own segment (a random segment, since keys are spread by hash), or from
     * another one after its lock is released if its own is empty. A segment is a
     * chained hash table over parallel arrays: slot i holds a client key, its backend id, when the
     * binding was made and when it was last used, and the next slot of its hash chain. Nothing is
     * allocated per binding but the key's string. Occupied slots are dense, [0, size): removing a
     * binding moves the last one into the hole. So a random slot is a random binding, which is what
     * makes sampled eviction O(1). The arrays double up to a little over the segment's share of the
     * cap, then grow by an eighth, so a full table wastes little.
     *
     * Backend ids are shared, never copied: a save stores the canonical instance of its id (see
     * canonicalBackendId), so a million bindings to ten backends hold ten id strings.
     */

    /** The most bindings a default repository holds, in a heap of 1 GiB or more (under 100 MB with IPv4 clients). */
    public static final int DEFAULT_MAX_BINDINGS = 1_000_000;
    /** What one binding costs, for sizing: the measured 90 bytes with an IPv4 client, rounded up. */
    public static final int BYTES_PER_BINDING = 100;
    /** The fewest bindings a default repository holds, however small the heap. */
    static final int MIN_DEFAULT_MAX_BINDINGS = 10_000;
    /** A default repository fills at most this fraction of the heap: 1/10. */
    private static final int HEAP_SHARE_DIVISOR = 10;

    /** How many random bindings a save at the cap looks at to choose the one it evicts. */
    static final int EVICTION_SAMPLES = 5;

    /** Bindings per segment the table aims at when it splits; caps under twice this stay one segment. */
    private static final int BINDINGS_PER_SEGMENT = 4096;
    private static final int MAX_SEGMENTS = 64;
    /** Slots a clean-up looks at per lock hold. */
    private static final int CLEAN_UP_CHUNK = 1024;
    /** Distinct backend ids remembered for sharing before the memory of them starts over. */
    private static final int MAX_SHARED_BACKEND_IDS = 4096;

    private final int maxBindings;
    private final Segment[] segments;
    /** Bindings held, plus saves in progress that reserved a place. */
    private final AtomicInteger count = new AtomicInteger();
    private final ConcurrentHashMap<String, String> backendIds = new ConcurrentHashMap<>();

    /** A repository of {@link #defaultMaxBindings()} bindings at most. */
    public InMemoryBindingRepository() {
        this(defaultMaxBindings());
    }

    /**
     * The cap of a default repository: as many bindings as fill a tenth of the heap this JVM may
     * grow to ({@code -Xmx}), between {@value #MIN_DEFAULT_MAX_BINDINGS} and
     * {@value #DEFAULT_MAX_BINDINGS}; for example about 65,000 with {@code -Xmx64m} (6.5 MB of
     * bindings), about 260,000 with {@code -Xmx256m}, 1,000,000 from about 1 GiB up.
     */
    public static int defaultMaxBindings() {
        return defaultMaxBindings(Runtime.getRuntime().maxMemory());
    }

    static int defaultMaxBindings(long maxHeapBytes) {
        if (maxHeapBytes == Long.MAX_VALUE) {
            return DEFAULT_MAX_BINDINGS; // the JVM reports no limit
        }
        long fits = maxHeapBytes / HEAP_SHARE_DIVISOR / BYTES_PER_BINDING;
        return (int) Math.max(MIN_DEFAULT_MAX_BINDINGS, Math.min(DEFAULT_MAX_BINDINGS, fits));
    }

    /** @param maxBindings the most bindings held at once, >= 1 */
    public InMemoryBindingRepository(int maxBindings) {
        if (maxBindings < 1) {
            throw new IllegalArgumentException("maxBindings must be >= 1, but was " + maxBindings);
        }
        this.maxBindings = maxBindings;
        int n = Math.min(MAX_SEGMENTS, Integer.highestOneBit(Math.max(1, maxBindings / BINDINGS_PER_SEGMENT)));
        this.segments = new Segment[n];
        int share = maxBindings / n + 1;
        for (int i = 0; i < n; i++) {
            segments[i] = new Segment(share + share / 16 + 16, count);
        }
    }

    @Override
    public Optional<Binding> find(ClientKey client) {
        String key = client.value();
        int h = hash(key);
        return Optional.ofNullable(segmentFor(h).find(client, key, h));
    }

    @Override
    public void save(Binding binding) {
        String key = binding.client().value();
        int h = hash(key);
        Segment segment = segmentFor(h);
        if (!segment.save(key, h, canonicalBackendId(binding.backendId()), binding.createdAtNanos(),
                binding.lastSeenNanos(), maxBindings)) {
            evictFromAnotherSegment(segment);
        }
    }

    /** The rare case of a save over the cap into an empty segment: some other segment gives way. */
    private void evictFromAnotherSegment(Segment full) {
        int start = ThreadLocalRandom.current().nextInt(segments.length);
        for (int k = 0; k < segments.length; k++) {
            Segment s = segments[(start + k) & (segments.length - 1)];
            if (s != full && s.evictIfNotEmpty()) {
                return;
            }
        }
        // every other binding is a save in progress: the count stays over and the next saves evict
    }

    @Override
    public void remove(ClientKey client) {
        String key = client.value();
        int h = hash(key);
        segmentFor(h).remove(key, h, null);
    }

    @Override
    public void removeIfBoundTo(ClientKey client, String backendId) {
        String key = client.value();
        int h = hash(key);
        segmentFor(h).remove(key, h, backendId);
    }

    @Override
    public int removeExpired(long nowNanos, Duration ttl) {
        long ttlNanos = ttl.toNanos();
        int removed = 0;
        for (Segment s : segments) {
            removed += s.removeExpired(nowNanos, ttlNanos);
        }
        return removed;
    }

    @Override
    public int size() {
        int size = 0;
        for (Segment s : segments) {
            size += s.size;
        }
        return size;
    }

    public int maxBindings() {
        return maxBindings;
    }

    /** @return how many bindings were evicted to make room, since creation */
    public long evictions() {
        long n = 0;
        for (Segment s : segments) {
            synchronized (s) {
                n += s.evictions;
            }
        }
        return n;
    }

    /** @return how many stored bindings all calls so far have looked at: the work done, for tests */
    long bindingsVisited() {
        long n = 0;
        for (Segment s : segments) {
            synchronized (s) {
                n += s.visited;
            }
        }
        return n;
    }

    private Segment segmentFor(int h) {
        // the top bits choose the segment, the low bits the bucket within it
        return segments[(h >>> 26) & (segments.length - 1)];
    }

    static int hash(String key) {
        int h = key.hashCode() * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    private String canonicalBackendId(String id) {
        String shared = backendIds.get(id);
        if (shared != null) {
            return shared;
        }
        if (backendIds.size() >= MAX_SHARED_BACKEND_IDS) {
            backendIds.clear(); // ids churned a lot: stored bindings keep theirs, sharing starts over
        }
        shared = backendIds.putIfAbsent(id, id);
        return shared != null ? shared : id;
    }

    /** One lock's share of the table; every field is guarded by the segment's monitor. */
    private static final class Segment {
        private static final int INITIAL_SLOTS = 16;

        /** Slots to grow to by doubling; beyond, the arrays grow by an eighth. */
        final int doublingLimit;
        final AtomicInteger count;
        String[] keys;
        String[] backendIds;
        long[] createdAt;
        long[] lastSeen;
        /** next[i]: the slot after i in its hash chain, plus one (0 ends the chain). */
        int[] next;
        /** heads[b]: the first slot of bucket b, plus one (0: empty bucket). */
        int[] heads;
        volatile int size;
        long evictions;
        long visited;

        Segment(int doublingLimit, AtomicInteger count) {
            this.doublingLimit = doublingLimit;
            this.count = count;
            allocate(INITIAL_SLOTS);
        }

        synchronized Binding find(ClientKey client, String key, int h) {
            int i = indexOf(key, h);
            return i < 0 ? null : new Binding(client, backendIds[i], createdAt[i], lastSeen[i]);
        }

        /** @return false when the save went over the cap and this segment had nothing to evict */
        synchronized boolean save(String key, int h, String backendId, long created, long seen, int maxBindings) {
            boolean evicted = true;
            int i = indexOf(key, h);
            if (i < 0) {
                if (count.incrementAndGet() > maxBindings) {
                    evicted = evictIfNotEmpty();
                }
                if (size == keys.length) {
                    grow();
                }
                i = size;
                keys[i] = key;
                int b = h & (heads.length - 1);
                next[i] = heads[b];
                heads[b] = i + 1;
                size = i + 1;
            }
            backendIds[i] = backendId;
            createdAt[i] = created;
            lastSeen[i] = seen;
            return evicted;
        }

        synchronized void remove(String key, int h, String onlyIfBoundTo) {
            int i = indexOf(key, h);
            if (i >= 0 && (onlyIfBoundTo == null || backendIds[i].equals(onlyIfBoundTo))) {
                removeAt(i);
            }
        }

        int removeExpired(long now, long ttlNanos) {
            int removed = 0;
            int i = size - 1;
            while (i >= 0) {
                synchronized (this) {
                    // Walk down from the end: removing slot i moves the last slot, already looked
                    // at (or saved since, so not expired), into it.
                    i = Math.min(i, size - 1);
                    for (int end = Math.max(-1, i - CLEAN_UP_CHUNK); i > end; i--) {
                        if (now - lastSeen[i] > ttlNanos) {
                            removeAt(i);
                            removed++;
                        }
                    }
                }
            }
            return removed;
        }

        private int indexOf(String key, int h) {
            for (int s = heads[h & (heads.length - 1)]; s != 0; s = next[s - 1]) {
                visited++;
                if (key.equals(keys[s - 1])) {
                    return s - 1;
                }
            }
            return -1;
        }

        /** Evicts the least recently used of a few random bindings. @return false when empty */
        synchronized boolean evictIfNotEmpty() {
            if (size == 0) {
                return false;
            }
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int victim = random.nextInt(size);
            for (int k = 1; k < EVICTION_SAMPLES; k++) {
                int i = random.nextInt(size);
                if (lastSeen[i] - lastSeen[victim] < 0) {
                    victim = i;
                }
            }
            visited += EVICTION_SAMPLES;
            removeAt(victim);
            evictions++;
            return true;
        }

        private void removeAt(int i) {
            replaceLink(i, -1); // out of its hash chain
            int last = size - 1;
            if (i != last) {
                // the last slot moves into the hole: repoint whatever led to it
                replaceLink(last, i);
                keys[i] = keys[last];
                backendIds[i] = backendIds[last];
                createdAt[i] = createdAt[last];
                lastSeen[i] = lastSeen[last];
                next[i] = next[last];
            }
            keys[last] = null;
            backendIds[last] = null;
            size = last;
            count.decrementAndGet();
        }

        /**
         * Makes the link that leads to slot {@code from} lead to slot {@code to} instead, or past
         * {@code from} to its successor when {@code to} is -1.
         */
        private void replaceLink(int from, int to) {
            int target = to < 0 ? next[from] : to + 1;
            int b = hash(keys[from]) & (heads.length - 1);
            if (heads[b] == from + 1) {
                heads[b] = target;
                return;
            }
            for (int s = heads[b]; s != 0; s = next[s - 1]) {
                visited++;
                if (next[s - 1] == from + 1) {
                    next[s - 1] = target;
                    return;
                }
            }
            throw new IllegalStateException("binding table corrupted: slot " + from + " is not in its chain");
        }

        private void grow() {
            int length = keys.length;
            int slots = length < doublingLimit ? Math.min(doublingLimit, 2 * length) : length + Math.max(16, length / 8);
            keys = Arrays.copyOf(keys, slots);
            backendIds = Arrays.copyOf(backendIds, slots);
            createdAt = Arrays.copyOf(createdAt, slots);
            lastSeen = Arrays.copyOf(lastSeen, slots);
            next = Arrays.copyOf(next, slots);
            int buckets = bucketsFor(slots);
            if (buckets == heads.length) {
                return;
            }
            heads = new int[buckets];
            for (int i = 0; i < size; i++) {
                int b = hash(keys[i]) & (heads.length - 1);
                next[i] = heads[b];
                heads[b] = i + 1;
            }
        }

        private void allocate(int slots) {
            keys = new String[slots];
            backendIds = new String[slots];
            createdAt = new long[slots];
            lastSeen = new long[slots];
            next = new int[slots];
            heads = new int[bucketsFor(slots)];
        }

        /** A power of two, at least three buckets per four slots: chains average under 1.4 bindings. */
        private static int bucketsFor(int slots) {
            int buckets = Integer.highestOneBit(slots);
            return buckets < slots - slots / 4 ? buckets << 1 : buckets;
        }
    }
}
