package io.edgeproxy.infrastructure.ratelimit;

import io.edgeproxy.infrastructure.internal.Checks;

import java.math.BigInteger;
import java.time.Duration;

/**
 * Settings of a {@link RateLimiter}: a token bucket per client that holds at most
 * {@code burstSize} tokens and refills at {@code maxRequests / window}. Immutable and validated
 * when built.
 *
 * <table>
 *   <caption>Fields, defaults and environment variables</caption>
 *   <tr><th>field</th><th>default</th><th>variable</th></tr>
 *   <tr><td>{@code maxRequests}</td><td>100</td><td>{@code EDGEPROXY_RATE_LIMIT_MAX_REQUESTS}</td></tr>
 *   <tr><td>{@code window}</td><td>1 second</td><td>{@code EDGEPROXY_RATE_LIMIT_WINDOW_SECS}</td></tr>
 *   <tr><td>{@code burstSize}</td><td>10</td><td>{@code EDGEPROXY_RATE_LIMIT_BURST}</td></tr>
 *   <tr><td>{@code maxTrackedClients}</td><td>a tenth of the heap, at most 2,000,000</td><td>-</td></tr>
 *   <tr><td>{@code ipv6PrefixLength}</td><td>64</td><td>-</td></tr>
 * </table>
 * {@code EDGEPROXY_RATE_LIMIT_ENABLED} (default {@code false}) chooses between
 * {@code new RateLimiter(config)} and {@link RateLimiter#unlimited()}.
 *
 * <pre>{@code
 * RateLimitConfig config = RateLimitConfig.builder()
 *         .maxRequests(1000).window(Duration.ofSeconds(1)).burstSize(50)
 *         .build();
 * }</pre>
 *
 * @param maxRequests       tokens added per {@code window}; >= 1. Defaults to 100.
 * @param window            the refill period of {@code maxRequests} tokens; positive. Defaults to 1 second.
 * @param burstSize         capacity of each client's bucket, and the tokens a new client starts with;
 *                          >= 1. Defaults to 10.
 * @param maxTrackedClients the most clients tracked at once; between 1 and 2^30. Defaults to as many
 *                          as fill a tenth of the heap ({@code -Xmx}) at about 26 bytes each, between
 *                          10,000 and 2,000,000 (about 258,000 with {@code -Xmx64m}); see
 *                          {@link #defaultMaxTrackedClients()}.
 * @param ipv6PrefixLength  IPv6 clients are grouped by this prefix; between 1 and 128. Defaults to 64 bits.
 */
public record RateLimitConfig(int maxRequests, Duration window, int burstSize, int maxTrackedClients,
                              int ipv6PrefixLength) {

    /** Tokens added per {@link #window()}. Defaults to 100. */
    public static final int DEFAULT_MAX_REQUESTS = 100;
    /** The refill period of {@link #maxRequests()} tokens. Defaults to 1 second. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(1);
    /** Capacity of each client's bucket, and the tokens a new client starts with. Defaults to 10. */
    public static final int DEFAULT_BURST_SIZE = 10;
    /**
     * The most clients tracked at once. Defaults to 2,000,000: a tracked client costs about 26 bytes
     * plus 4 bytes per 8 slots of table, so a full table holds about 55 MB, and stays under 100 MB
     * with the garbage a flood of new addresses leaves for the collector.
     */
    public static final int DEFAULT_MAX_TRACKED_CLIENTS = 2_000_000;
    /** IPv6 clients are grouped by this prefix, since one host usually owns a whole /64. Defaults to 64 bits. */
    public static final int DEFAULT_IPV6_PREFIX_LENGTH = 64;

    /** Upper bound of {@link #maxTrackedClients()}: 2^30 clients. */
    public static final int MAX_TRACKED_CLIENTS_LIMIT = 1 << 30;

    private static final BigInteger MAX_REFILL_SPAN = BigInteger.ONE.shiftLeft(61);

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the first field that is out of range, and its value
     */
    public RateLimitConfig {
        Checks.requireAtLeast(maxRequests, 1, "maxRequests");
        Checks.requirePositive(window, "window");
        Checks.requireAtLeast(burstSize, 1, "burstSize");
        Checks.requireBetween(maxTrackedClients, 1, MAX_TRACKED_CLIENTS_LIMIT, "maxTrackedClients");
        Checks.requireBetween(ipv6PrefixLength, 1, 128, "ipv6PrefixLength");
        // The limiter counts in units of 1/(2*maxRequests) ns (exact, no rounding); a full
        // bucket's debt, burstSize * window in those units, must stay far from the 64-bit wrap.
        BigInteger windowNanos = BigInteger.valueOf(window.toNanos());
        BigInteger g = windowNanos.gcd(BigInteger.valueOf(maxRequests));
        BigInteger span = windowNanos.divide(g).multiply(BigInteger.valueOf(2L * burstSize));
        if (span.compareTo(MAX_REFILL_SPAN) > 0) {
            throw new IllegalArgumentException("burstSize * window / maxRequests (the time to refill a bucket)"
                    + " is too long: burstSize " + burstSize + ", window " + window + ", maxRequests "
                    + maxRequests);
        }
    }

    /** @return the configuration with every default */
    public static RateLimitConfig ofDefaults() {
        return builder().build();
    }

    /** @return a builder holding the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding this configuration's values */
    public Builder toBuilder() {
        return new Builder().maxRequests(maxRequests).window(window).burstSize(burstSize)
                .maxTrackedClients(maxTrackedClients).ipv6PrefixLength(ipv6PrefixLength);
    }

    /**
     * @return the default of {@link #maxTrackedClients()}: the clients whose buckets fill a tenth of
     *         the heap this JVM may grow to, between 10,000 and {@value #DEFAULT_MAX_TRACKED_CLIENTS},
     *         so a flood of source addresses cannot outgrow a small heap
     */
    public static int defaultMaxTrackedClients() {
        return defaultMaxTrackedClients(Runtime.getRuntime().maxMemory());
    }

    static int defaultMaxTrackedClients(long maxHeap) {
        if (maxHeap == Long.MAX_VALUE) {
            return DEFAULT_MAX_TRACKED_CLIENTS;
        }
        long fits = maxHeap / 10 / 26;
        return (int) Math.max(10_000, Math.min(DEFAULT_MAX_TRACKED_CLIENTS, fits));
    }

    /** Collects settings; {@link #build()} validates them all. Not thread-safe. */
    public static final class Builder {
        private int maxRequests = DEFAULT_MAX_REQUESTS;
        private Duration window = DEFAULT_WINDOW;
        private int burstSize = DEFAULT_BURST_SIZE;
        private int maxTrackedClients = defaultMaxTrackedClients();
        private int ipv6PrefixLength = DEFAULT_IPV6_PREFIX_LENGTH;

        private Builder() {
        }

        /** Tokens added per window; must be >= 1. Defaults to 100. */
        public Builder maxRequests(int value) {
            this.maxRequests = value;
            return this;
        }

        /** The refill period; must be positive. Defaults to 1 second. */
        public Builder window(Duration value) {
            this.window = value;
            return this;
        }

        /** Bucket capacity; must be >= 1. Defaults to 10. */
        public Builder burstSize(int value) {
            this.burstSize = value;
            return this;
        }

        /** The most clients tracked at once; between 1 and 2^30. Defaults to 2,000,000. */
        public Builder maxTrackedClients(int value) {
            this.maxTrackedClients = value;
            return this;
        }

        /** IPv6 grouping prefix; between 1 and 128. Defaults to 64. */
        public Builder ipv6PrefixLength(int value) {
            this.ipv6PrefixLength = value;
            return this;
        }

        /**
         * @return the validated configuration
         * @throws IllegalArgumentException naming the first field that is out of range, and its value
         */
        public RateLimitConfig build() {
            return new RateLimitConfig(maxRequests, window, burstSize, maxTrackedClients, ipv6PrefixLength);
        }
    }
}
