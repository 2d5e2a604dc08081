package io.edgeproxy.benchmarks;

import io.edgeproxy.infrastructure.ratelimit.RateLimitConfig;
import io.edgeproxy.infrastructure.ratelimit.RateLimiter;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One rate-limit check per client connection: our {@link RateLimiter} against Bucket4j and
 * Resilience4j, each keyed per client IP the way a proxy would need it.
 *
 * <ul>
 *   <li>{@code keys}: 1 (one hot client) or 10,000 clients taken in turn.</li>
 *   <li>{@code scenario}: {@code flood} is the documented default (100 per second, burst 10), so
 *       almost every check is refused, as under an attack; {@code pass} is a bucket of 10^9 tokens
 *       refilled at 10^9 per second, which no run can drain, so every check takes a token. (A
 *       smaller burst with a fast refill is not a fair "pass": Bucket4j then refuses about 97% of
 *       the calls under two threads, measured, and its row would time a different path.)</li>
 * </ul>
 * The peers are configured to the same bucket: Bucket4j with capacity = burst and a greedy refill
 * of the rate; Resilience4j (a cycle-based limiter, not a token bucket) with burst permits per
 * burst/rate period. Peers are keyed with a {@link ConcurrentHashMap} of per-client limiters
 * ({@code get}, then {@code computeIfAbsent}); ours keys by itself.
 *
 * <p>Run with {@code -t 1} and {@code -t 2} for contention.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RateLimiterBenchmark {

    /** A limiter under test. */
    interface Limiter {
        boolean check(InetAddress client);
    }

    @Param({"edgeproxy", "bucket4j", "resilience4j"})
    public String impl;

    @Param({"1", "10000"})
    public int keys;

    @Param({"flood", "pass"})
    public String scenario;

    private InetAddress[] clients;
    private Limiter limiter;

    @Setup(Level.Trial)
    public void setUp() throws UnknownHostException {
        clients = new InetAddress[keys];
        for (int i = 0; i < keys; i++) {
            clients[i] = InetAddress.getByAddress(new byte[]{10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
        }
        int rate = scenario.equals("flood") ? 100 : 1_000_000_000;
        int burst = scenario.equals("flood") ? 10 : 1_000_000_000;
        limiter = create(impl, rate, burst);
    }

    static Limiter create(String impl, int ratePerSecond, int burst) {
        switch (impl) {
            case "edgeproxy": {
                RateLimiter ours = new RateLimiter(RateLimitConfig.builder().maxRequests(ratePerSecond)
                        .window(Duration.ofSeconds(1)).burstSize(burst).build());
                return ours::check;
            }
            case "bucket4j":
                return keyed(client -> Bucket.builder()
                        .addLimit(limit -> limit.capacity(burst).refillGreedy(ratePerSecond, Duration.ofSeconds(1)))
                        .build(), b -> b.tryConsume(1));
            case "resilience4j": {
                RateLimiterConfig config = RateLimiterConfig.custom()
                        .limitForPeriod(burst)
                        .limitRefreshPeriod(Duration.ofNanos(Math.max(1, 1_000_000_000L * burst / ratePerSecond)))
                        .timeoutDuration(Duration.ZERO)
                        .build();
                return keyed(client -> io.github.resilience4j.ratelimiter.RateLimiter.of(client.getHostAddress(), config),
                        io.github.resilience4j.ratelimiter.RateLimiter::acquirePermission);
            }
            default:
                throw new IllegalArgumentException("impl must be edgeproxy, bucket4j or resilience4j, but was " + impl);
        }
    }

    /** Takes one token from a peer's per-key limiter. */
    interface Take<T> {
        boolean take(T limiter);
    }

    static <T> Limiter keyed(Function<InetAddress, T> factory, Take<T> take) {
        ConcurrentHashMap<InetAddress, T> map = new ConcurrentHashMap<>();
        return client -> {
            T l = map.get(client);
            if (l == null) {
                l = map.computeIfAbsent(client, factory);
            }
            return take.take(l);
        };
    }

    /** Each thread walks the clients from its own random start. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            next = ThreadLocalRandom.current().nextInt(1 << 20);
        }
    }

    @Benchmark
    public boolean check(Cursor cursor) {
        int i = cursor.next;
        cursor.next = i + 1 == Integer.MAX_VALUE ? 0 : i + 1;
        return limiter.check(clients[i % keys]);
    }
}
