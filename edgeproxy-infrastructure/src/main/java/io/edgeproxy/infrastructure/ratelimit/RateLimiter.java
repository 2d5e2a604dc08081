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
 * <p><b>Reconfiguration.</b> {@link #reconfigure(RateLimitConfig)} changes the rate and burst while
 * clients keep connecting, and keeps what each client has used: a client is carried over to the new
 * buckets on its next check with the debt it had (at most the new burst), so a reload neither
 * refills a flooding client nor empties a quiet one. The old buckets are consulted only until they
 * would all have refilled (burst / rate of the old settings), then dropped. Two first checks of one
 * client racing right after a reload may both carry its debt over; that client then waits for at
 * most one extra burst.
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

    private static final RateLimiter UNLIMITED = new RateLimiter(
            new Buckets(KeyedLimiter.unlimited(), null, null, 0, 0), Ticker.system());

    /**
     * What the checks read, swapped whole by {@link #reconfigure}: the current buckets and their
     * configuration, and the buckets of the configuration before, while clients may still be carried
     * over from them ({@code previous} is null otherwise).
     */
    private record Buckets(KeyedLimiter current, RateLimitConfig config, KeyedLimiter previous, int previousBurst,
                           long previousUntilNanos) {
    }

    private final Ticker ticker;
    private volatile Buckets buckets;

    /** A limiter on the system clock. */
    public RateLimiter(RateLimitConfig config) {
        this(config, Ticker.system());
    }

    /** A limiter on the given clock (tests drive a fake one). */
    public RateLimiter(RateLimitConfig config, Ticker ticker) {
        this(new Buckets(table(config, Objects.requireNonNull(ticker, "ticker")), config, null, 0, 0), ticker);
    }

    private RateLimiter(Buckets buckets, Ticker ticker) {
        this.buckets = buckets;
        this.ticker = ticker;
    }

    private static KeyedLimiter table(RateLimitConfig config, Ticker ticker) {
        return new GcraTable(config.maxRequests(), config.window().toNanos(), config.burstSize(),
                config.maxTrackedClients(), ticker, new SecureRandom().nextLong());
    }

    /**
     * @return the limiter for a disabled rate limit: every check is allowed, nothing is tracked,
     *         {@link #remaining} is {@link Integer#MAX_VALUE}
     */
    public static RateLimiter unlimited() {
        return UNLIMITED;
    }

    /**
     * Switches to {@code config} at once, for every client, while checks go on: see the class
     * comment for how each client's usage is carried over. Thread-safe; concurrent calls are
     * serialized, the last one wins.
     *
     * @throws IllegalStateException on {@link #unlimited()}: a disabled limiter cannot be switched on
     *                               here; build the proxy with a rate limit instead
     */
    public synchronized void reconfigure(RateLimitConfig config) {
        Objects.requireNonNull(config, "config");
        Buckets old = buckets;
        if (old.config() == null) {
            throw new IllegalStateException("rate limiting is off; a limiter built as unlimited() cannot be switched on");
        }
        RateLimitConfig was = old.config();
        // how long the old buckets take to refill from empty: after that nobody has anything to carry over
        long refillNanos = (long) Math.min(Long.MAX_VALUE / 4,
                (double) was.window().toNanos() * was.burstSize() / was.maxRequests());
        buckets = new Buckets(table(config, ticker), config, old.current(), was.burstSize(),
                ticker.nanoTime() + refillNanos);
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
        Buckets b = buckets;
        if (client instanceof Inet4Address) {
            long hi = ClientKeys.ipv4High();
            long lo = ClientKeys.ipv4Low((Inet4Address) client);
            return carryOver(b, hi, lo).tryAcquire(hi, lo, cost);
        }
        byte[] a = requireClient(client).getAddress();
        int prefix = prefixLength(b);
        long hi = ClientKeys.ipv6High(a, prefix);
        long lo = ClientKeys.ipv6Low(a, prefix);
        return carryOver(b, hi, lo).tryAcquire(hi, lo, cost);
    }

    /** @return the tokens the client could take now, without taking any (the burst size for a new client) */
    public int remaining(InetAddress client) {
        Buckets b = buckets;
        long hi;
        long lo;
        if (client instanceof Inet4Address) {
            hi = ClientKeys.ipv4High();
            lo = ClientKeys.ipv4Low((Inet4Address) client);
        } else {
            byte[] a = requireClient(client).getAddress();
            hi = ClientKeys.ipv6High(a, prefixLength(b));
            lo = ClientKeys.ipv6Low(a, prefixLength(b));
        }
        int available = b.current().available(hi, lo);
        if (b.previous() == null) {
            return available;
        }
        int debt = b.previousBurst() - b.previous().available(hi, lo);
        return Math.max(0, Math.min(available, b.config().burstSize() - debt));
    }

    /** Forgets the client: it starts again from a full bucket. */
    public void clear(InetAddress client) {
        Buckets b = buckets;
        if (client instanceof Inet4Address) {
            remove(b, ClientKeys.ipv4High(), ClientKeys.ipv4Low((Inet4Address) client));
            return;
        }
        byte[] a = requireClient(client).getAddress();
        remove(b, ClientKeys.ipv6High(a, prefixLength(b)), ClientKeys.ipv6Low(a, prefixLength(b)));
    }

    /** Forgets every client. */
    public void clearAll() {
        Buckets b = buckets;
        b.current().clear();
        if (b.previous() != null) {
            b.previous().clear();
        }
    }

    /**
     * @return the number of clients tracked now, never above {@link RateLimitConfig#maxTrackedClients()}
     *         per configuration (may include buckets that refilled since and are not swept yet, and,
     *         right after a reconfiguration, clients not carried over yet); walks the whole table
     */
    public int trackedClients() {
        Buckets b = buckets;
        return b.current().size() + (b.previous() == null ? 0 : b.previous().size());
    }

    /** Forgets every client whose bucket has refilled to full; walks the whole table. Optional housekeeping. */
    public void cleanUp() {
        Buckets b = buckets;
        b.current().sweep();
        if (b.previous() != null) {
            dropPreviousIfDone(b);
        }
    }

    /** @return the configuration, or null for {@link #unlimited()} */
    public RateLimitConfig config() {
        return buckets.config();
    }

    /**
     * After a reconfiguration: moves what the client used from the old buckets to the new ones
     * (its debt, at most the new burst), once. @return the buckets to check
     */
    private KeyedLimiter carryOver(Buckets b, long hi, long lo) {
        KeyedLimiter previous = b.previous();
        if (previous != null && !dropPreviousIfDone(b)) {
            int debt = b.previousBurst() - previous.available(hi, lo);
            if (debt > 0) {
                previous.remove(hi, lo);
                b.current().tryAcquire(hi, lo, Math.min(debt, b.config().burstSize()));
            }
        }
        return b.current();
    }

    /** @return whether the old buckets have all refilled, in which case they are dropped */
    private boolean dropPreviousIfDone(Buckets b) {
        if (ticker.nanoTime() - b.previousUntilNanos() < 0) {
            return false;
        }
        synchronized (this) {
            if (buckets == b) {
                buckets = new Buckets(b.current(), b.config(), null, 0, 0);
            }
        }
        return true;
    }

    private static void remove(Buckets b, long hi, long lo) {
        b.current().remove(hi, lo);
        if (b.previous() != null) {
            b.previous().remove(hi, lo);
        }
    }

    private static int prefixLength(Buckets b) {
        return b.config() == null ? 128 : b.config().ipv6PrefixLength();
    }

    private static InetAddress requireClient(InetAddress client) {
        return Objects.requireNonNull(client, "client");
    }

    @Override
    public String toString() {
        RateLimitConfig config = buckets.config();
        return config == null ? "RateLimiter[unlimited]" : "RateLimiter[" + config + "]";
    }
}
