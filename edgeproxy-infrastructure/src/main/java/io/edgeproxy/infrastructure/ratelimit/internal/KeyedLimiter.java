package io.edgeproxy.infrastructure.ratelimit.internal;

/**
 * Token buckets keyed by a 128-bit client key ({@code hi}, {@code lo}); see {@link ClientKeys} for
 * how an address becomes a key. Implementations are thread-safe and never block.
 */
public interface KeyedLimiter {

    /** @return whether {@code tokens} (>= 1) were taken from the key's bucket */
    boolean tryAcquire(long hi, long lo, int tokens);

    /** @return the tokens the key could take now */
    int available(long hi, long lo);

    /** Forgets the key: its next call sees a full bucket. */
    void remove(long hi, long lo);

    /** Forgets every key. */
    void clear();

    /** @return the number of keys tracked now */
    int size();

    /** Drops every bucket that has refilled to full. */
    void sweep();

    /** @return the limiter that allows everything and tracks nothing */
    static KeyedLimiter unlimited() {
        return Unlimited.INSTANCE;
    }

    /** The null object behind {@code RateLimiter.unlimited()}. */
    enum Unlimited implements KeyedLimiter {
        INSTANCE;

        @Override
        public boolean tryAcquire(long hi, long lo, int tokens) {
            return true;
        }

        @Override
        public int available(long hi, long lo) {
            return Integer.MAX_VALUE;
        }

        @Override
        public void remove(long hi, long lo) {
        }

        @Override
        public void clear() {
        }

        @Override
        public int size() {
            return 0;
        }

        @Override
        public void sweep() {
        }
    }
}
