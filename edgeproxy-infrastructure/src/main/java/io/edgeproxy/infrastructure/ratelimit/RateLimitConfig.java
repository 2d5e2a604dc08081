package io.edgeproxy.infrastructure.ratelimit;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Objects;

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
 *   <tr><td>{@code maxTrackedClients}</td><td>2,000,000</td><td>-</td></tr>
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
 */
public final class RateLimitConfig {

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

    private final int maxRequests;
    private final Duration window;
    private final int burstSize;
    private final int maxTrackedClients;
    private final int ipv6PrefixLength;

    private RateLimitConfig(Builder b) {
        this.maxRequests = b.maxRequests;
        this.window = b.window;
        this.burstSize = b.burstSize;
        this.maxTrackedClients = b.maxTrackedClients;
        this.ipv6PrefixLength = b.ipv6PrefixLength;
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

    /** @return the tokens added per {@link #window()} */
    public int maxRequests() {
        return maxRequests;
    }

    /** @return the period over which {@link #maxRequests()} tokens are added */
    public Duration window() {
        return window;
    }

    /** @return the capacity of each bucket, and the tokens a new client starts with */
    public int burstSize() {
        return burstSize;
    }

    /** @return the most clients tracked at once */
    public int maxTrackedClients() {
        return maxTrackedClients;
    }

    /** @return the prefix length by which IPv6 clients are grouped into one bucket */
    public int ipv6PrefixLength() {
        return ipv6PrefixLength;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RateLimitConfig)) {
            return false;
        }
        RateLimitConfig c = (RateLimitConfig) o;
        return maxRequests == c.maxRequests && burstSize == c.burstSize && maxTrackedClients == c.maxTrackedClients
                && ipv6PrefixLength == c.ipv6PrefixLength && window.equals(c.window);
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxRequests, window, burstSize, maxTrackedClients, ipv6PrefixLength);
    }

    @Override
    public String toString() {
        return "RateLimitConfig[maxRequests=" + maxRequests + ", window=" + window + ", burstSize=" + burstSize
                + ", maxTrackedClients=" + maxTrackedClients + ", ipv6PrefixLength=" + ipv6PrefixLength + "]";
    }

    /** Collects settings; {@link #build()} validates them all. Not thread-safe. */
    public static final class Builder {
        private int maxRequests = DEFAULT_MAX_REQUESTS;
        private Duration window = DEFAULT_WINDOW;
        private int burstSize = DEFAULT_BURST_SIZE;
        private int maxTrackedClients = DEFAULT_MAX_TRACKED_CLIENTS;
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
            if (maxRequests < 1) {
                throw new IllegalArgumentException("maxRequests must be >= 1, but was " + maxRequests);
            }
            if (window == null) {
                throw new IllegalArgumentException("window must not be null");
            }
            if (window.isZero() || window.isNegative()) {
                throw new IllegalArgumentException("window must be positive, but was " + window);
            }
            if (burstSize < 1) {
                throw new IllegalArgumentException("burstSize must be >= 1, but was " + burstSize);
            }
            if (maxTrackedClients < 1 || maxTrackedClients > MAX_TRACKED_CLIENTS_LIMIT) {
                throw new IllegalArgumentException("maxTrackedClients must be between 1 and " + MAX_TRACKED_CLIENTS_LIMIT
                        + ", but was " + maxTrackedClients);
            }
            if (ipv6PrefixLength < 1 || ipv6PrefixLength > 128) {
                throw new IllegalArgumentException("ipv6PrefixLength must be between 1 and 128, but was "
                        + ipv6PrefixLength);
            }
            // The limiter counts in units of 1/(2*maxRequests) ns (exact, no rounding); a full
            // bucket's debt, burstSize * window in those units, must stay far from the 64-bit wrap.
            BigInteger windowNanos;
            try {
                windowNanos = BigInteger.valueOf(window.toNanos());
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("window must be at most 292 years, but was " + window, e);
            }
            BigInteger g = windowNanos.gcd(BigInteger.valueOf(maxRequests));
            BigInteger span = windowNanos.divide(g).multiply(BigInteger.valueOf(2L * burstSize));
            if (span.compareTo(MAX_REFILL_SPAN) > 0) {
                throw new IllegalArgumentException("burstSize * window / maxRequests (the time to refill a bucket)"
                        + " is too long: burstSize " + burstSize + ", window " + window + ", maxRequests "
                        + maxRequests);
            }
            return new RateLimitConfig(this);
        }
    }
}
