package io.edgeproxy.infrastructure.ratelimit;

import io.edgeproxy.infrastructure.proxy.ClientAdmission;
import io.edgeproxy.infrastructure.proxy.RejectReason;
import io.edgeproxy.domain.Ticker;
import io.edgeproxy.infrastructure.ratelimit.internal.ClientKeys;
import io.edgeproxy.infrastructure.ratelimit.internal.GcraTable;
import io.edgeproxy.infrastructure.ratelimit.internal.KeyedLimiter;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * A token bucket per client IP address.
 *
 * <ul>
 *   <li>Each client starts with {@link RateLimitConfig#burstSize()} tokens.</li>
 *   <li>Tokens refill at {@code maxRequests / window}, up to the burst size; the arithmetic is exact
 *       (no fraction of a token is lost to rounding, however the rate divides).</li>
 *   <li>A connection costs 1 token; {@link #check(InetAddress, int)} takes more at once.</li>
 *   <li>A check without the tokens it asks for is refused and takes nothing.</li>
 * </ul>
 *
 * <p><b>Clients.</b> An IPv4 client is its address; IPv6 clients are grouped by their first
 * {@link RateLimitConfig#ipv6PrefixLength()} bits (a /64 by default, since one host usually owns a
 * whole /64 and could otherwise take a fresh bucket per address).
 *
 * <p><b>Memory is bounded.</b> At most {@link RateLimitConfig#maxTrackedClients()} clients are
 * tracked. A client whose bucket has refilled to full is indistinguishable from a new client, so it
 * is forgotten: once it has stayed full for a whole window (so that a client coming back often keeps
 * its slot), swept as new clients arrive, or at once by {@link #cleanUp()}. When a new client
 * arrives at the cap, the tracked client whose bucket has been full the longest, else the one
 * closest to full, is forgotten (it then starts again from a full bucket: the limiter errs on the
 * side of letting a client in, never of refusing one that has tokens). The cap is enforced within
 * groups of up to 8 clients, so this can begin slightly before the table as a whole is full.
 *
 * <p><b>Thread-safety.</b> Safe for any number of threads. {@link #check} and {@link #remaining} are
 * lock-free, never block and do no I/O: one CAS per allowed check, none per refused check, and an
 * allocation only when a new client is tracked. {@link #trackedClients()} and {@link #cleanUp()} walk
 * the whole table; they are for monitoring and housekeeping threads.
 *
 * <pre>{@code
 * RateLimiter limiter = new RateLimiter(RateLimitConfig.builder()
 *         .maxRequests(100).window(Duration.ofSeconds(1)).burstSize(10).build());
 * if (limiter.check(clientAddress)) {
 *     // serve the client
 * } else {
 *     // refuse: close the connection
 * }
 * int left = limiter.remaining(clientAddress);
 * }</pre>
 */
public final class RateLimiter implements ClientAdmission {

    private static final RateLimiter UNLIMITED = new RateLimiter(KeyedLimiter.unlimited(), 128, null);

    private final KeyedLimiter buckets;
    private final int ipv6PrefixLength;
    private final RateLimitConfig config;

    /** A limiter on the system clock. */
    public RateLimiter(RateLimitConfig config) {
        this(config, Ticker.system());
    }

    /** A limiter on the given clock (tests drive a fake one). */
    public RateLimiter(RateLimitConfig config, Ticker ticker) {
        this(new GcraTable(config.maxRequests(), config.window().toNanos(), config.burstSize(),
                        config.maxTrackedClients(), Objects.requireNonNull(ticker, "ticker"), new SecureRandom().nextLong()),
                config.ipv6PrefixLength(), config);
    }

    private RateLimiter(KeyedLimiter buckets, int ipv6PrefixLength, RateLimitConfig config) {
        this.buckets = buckets;
        this.ipv6PrefixLength = ipv6PrefixLength;
        this.config = config;
    }

    /**
     * @return the limiter for a disabled rate limit: every check is allowed, nothing is tracked,
     *         {@link #remaining} is {@link Integer#MAX_VALUE}
     */
    public static RateLimiter unlimited() {
        return UNLIMITED;
    }

    /** The proxy's admission at accept: {@link #check(InetAddress)}. */
    @Override
    public boolean admit(InetAddress client) {
        return check(client, 1);
    }

    /** @return {@link RejectReason#RATE_LIMITED} */
    @Override
    public RejectReason rejectReason() {
        return RejectReason.RATE_LIMITED;
    }

    /**
     * Takes one token from the client's bucket.
     *
     * @return whether the client may proceed
     */
    public boolean check(InetAddress client) {
        return check(client, 1);
    }

    /**
     * Takes {@code cost} tokens from the client's bucket, all or none.
     *
     * @param cost tokens to take, >= 1; a cost above the burst size can never be paid and is refused
     * @return whether the tokens were taken
     * @throws IllegalArgumentException when {@code cost < 1}
     */
    public boolean check(InetAddress client, int cost) {
        if (cost < 1) {
            throw new IllegalArgumentException("cost must be >= 1, but was " + cost);
        }
        if (client instanceof Inet4Address) {
            return buckets.tryAcquire(ClientKeys.ipv4High(), ClientKeys.ipv4Low((Inet4Address) client), cost);
        }
        byte[] a = requireClient(client).getAddress();
        return buckets.tryAcquire(ClientKeys.ipv6High(a, ipv6PrefixLength), ClientKeys.ipv6Low(a, ipv6PrefixLength), cost);
    }

    /** @return the tokens the client could take now, without taking any (the burst size for a new client) */
    public int remaining(InetAddress client) {
        if (client instanceof Inet4Address) {
            return buckets.available(ClientKeys.ipv4High(), ClientKeys.ipv4Low((Inet4Address) client));
        }
        byte[] a = requireClient(client).getAddress();
        return buckets.available(ClientKeys.ipv6High(a, ipv6PrefixLength), ClientKeys.ipv6Low(a, ipv6PrefixLength));
    }

    /** Forgets the client: it starts again from a full bucket. */
    public void clear(InetAddress client) {
        if (client instanceof Inet4Address) {
            buckets.remove(ClientKeys.ipv4High(), ClientKeys.ipv4Low((Inet4Address) client));
            return;
        }
        byte[] a = requireClient(client).getAddress();
        buckets.remove(ClientKeys.ipv6High(a, ipv6PrefixLength), ClientKeys.ipv6Low(a, ipv6PrefixLength));
    }

    /** Forgets every client. */
    public void clearAll() {
        buckets.clear();
    }

    /**
     * @return the number of clients tracked now, never above {@link RateLimitConfig#maxTrackedClients()}
     *         (may include buckets that refilled since and are not swept yet); walks the whole table
     */
    public int trackedClients() {
        return buckets.size();
    }

    /** Forgets every client whose bucket has refilled to full; walks the whole table. Optional housekeeping. */
    public void cleanUp() {
        buckets.sweep();
    }

    /** @return the configuration, or null for {@link #unlimited()} */
    public RateLimitConfig config() {
        return config;
    }

    private static InetAddress requireClient(InetAddress client) {
        return Objects.requireNonNull(client, "client");
    }

    @Override
    public String toString() {
        return config == null ? "RateLimiter[unlimited]" : "RateLimiter[" + config + "]";
    }
}
