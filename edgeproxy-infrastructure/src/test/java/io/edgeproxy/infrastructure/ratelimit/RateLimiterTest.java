package io.edgeproxy.infrastructure.ratelimit;

import io.edgeproxy.domain.testing.FakeTicker;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimiterTest {

    private final FakeTicker ticker = new FakeTicker();

    private RateLimiter limiter(int maxRequests, Duration window, int burst) {
        return new RateLimiter(RateLimitConfig.builder().maxRequests(maxRequests).window(window).burstSize(burst)
                .build(), ticker);
    }

    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void newClientHasBurstSizeTokensThenIsRefused() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.ofDefaults(), ticker);
        InetAddress client = ip("10.0.0.1");
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.check(client)).as("token %d", i).isTrue();
        }
        assertThat(limiter.check(client)).isFalse();
        assertThat(limiter.remaining(client)).isZero();
    }

    @Test
    void refillsOneTokenPerWindowOverMaxRequests() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.ofDefaults(), ticker); // 100/s: a token every 10 ms
        InetAddress client = ip("10.0.0.1");
        drain(limiter, client);

        ticker.advanceNanos(9_999_999);
        assertThat(limiter.check(client)).isFalse();
        ticker.advanceNanos(1);
        assertThat(limiter.check(client)).isTrue();
        assertThat(limiter.check(client)).isFalse();

        ticker.advance(Duration.ofMillis(35));
        assertThat(limiter.remaining(client)).isEqualTo(3);
    }

    @Test
    void refillNeverExceedsBurstSize() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.ofDefaults(), ticker);
        InetAddress client = ip("10.0.0.1");
        limiter.check(client);
        ticker.advance(Duration.ofHours(1));
        assertThat(limiter.remaining(client)).isEqualTo(10);
        assertThat(drain(limiter, client)).isEqualTo(10);
    }

    @Test
    void noFractionOfATokenIsLostWhenTheRateDoesNotDivideTime() {
        // 7 tokens per 3 s is 2.333... per second: a token every 428,571,428.57 ns
        // (burst 2, drained every millisecond: the bucket is never full, so no refill overflows it)
        RateLimiter limiter = limiter(7, Duration.ofSeconds(3), 2);
        InetAddress client = ip("10.0.0.2");
        long allowed = 0;
        long elapsedMs = 0;
        for (int step = 0; step < 30_000; step++) {
            while (limiter.check(client)) {
                allowed++;
            }
            ticker.advance(Duration.ofMillis(1));
            elapsedMs++;
        }
        while (limiter.check(client)) {
            allowed++;
        }
        // burst + rate * elapsed, exactly: 2 + floor(30 s * 7 / 3 s) = 72
        assertThat(allowed).isEqualTo(2 + elapsedMs * 7 / 3000);
    }

    @Test
    void stepsShorterThanOneTokenStillAddUp() {
        // 3 per second, probed every millisecond: a naive per-step integer refill would never refill
        RateLimiter limiter = limiter(3, Duration.ofSeconds(1), 3);
        InetAddress client = ip("10.0.0.3");
        drain(limiter, client);
        long allowed = 0;
        for (int ms = 1; ms <= 10_000; ms++) {
            ticker.advance(Duration.ofMillis(1));
            if (limiter.check(client)) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(30);
    }

    @Test
    void costIsTakenAllOrNothing() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.ofDefaults(), ticker);
        InetAddress client = ip("10.0.0.4");
        assertThat(limiter.check(client, 4)).isTrue();
        assertThat(limiter.check(client, 4)).isTrue();
        assertThat(limiter.check(client, 4)).isFalse();
        assertThat(limiter.remaining(client)).isEqualTo(2);
        assertThat(limiter.check(client, 2)).isTrue();
        assertThat(limiter.remaining(client)).isZero();
    }

    @Test
    void costAboveBurstIsRefusedAndCostBelowOneIsAnError() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.ofDefaults(), ticker);
        InetAddress client = ip("10.0.0.5");
        assertThat(limiter.check(client, 11)).isFalse();
        assertThat(limiter.remaining(client)).isEqualTo(10);
        assertThatThrownBy(() -> limiter.check(client, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cost must be >= 1, but was 0");
    }

    @Test
    void clientsHaveSeparateBuckets() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.ofDefaults(), ticker);
        drain(limiter, ip("10.0.0.6"));
        assertThat(limiter.remaining(ip("10.0.0.7"))).isEqualTo(10);
        assertThat(limiter.check(ip("10.0.0.7"))).isTrue();
    }

    @Test
    void clearForgetsOneClientAndClearAllForgetsEveryone() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.ofDefaults(), ticker);
        InetAddress a = ip("10.0.0.8");
        InetAddress b = ip("2001:db8::8");
        drain(limiter, a);
        drain(limiter, b);
        limiter.clear(a);
        assertThat(limiter.remaining(a)).isEqualTo(10);
        assertThat(limiter.remaining(b)).isZero();
        assertThat(limiter.trackedClients()).isEqualTo(1);
        drain(limiter, a);
        limiter.clearAll();
        assertThat(limiter.remaining(a)).isEqualTo(10);
        assertThat(limiter.remaining(b)).isEqualTo(10);
        assertThat(limiter.trackedClients()).isZero();
    }

    @Test
    void ipv6ClientsShareABucketPerSlash64ByDefault() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.ofDefaults(), ticker);
        drain(limiter, ip("2001:db8:1:2:aaaa::1"));
        assertThat(limiter.check(ip("2001:db8:1:2:ffff:1:2:3"))).isFalse();
        assertThat(limiter.check(ip("2001:db8:1:3::1"))).isTrue();
    }

    @Test
    void ipv6PrefixLengthIsConfigurable() {
        RateLimiter perAddress = new RateLimiter(RateLimitConfig.builder().ipv6PrefixLength(128).build(), ticker);
        drain(perAddress, ip("2001:db8::1"));
        assertThat(perAddress.check(ip("2001:db8::2"))).isTrue();

        RateLimiter per48 = new RateLimiter(RateLimitConfig.builder().ipv6PrefixLength(48).build(), ticker);
        drain(per48, ip("2001:db8:1:1::1"));
        assertThat(per48.check(ip("2001:db8:1:ffff::1"))).isFalse();
        assertThat(per48.check(ip("2001:db8:2::1"))).isTrue();

        RateLimiter per60 = new RateLimiter(RateLimitConfig.builder().ipv6PrefixLength(60).build(), ticker);
        drain(per60, ip("2001:db8:1:10::1"));
        assertThat(per60.check(ip("2001:db8:1:1f::1"))).isFalse();
        assertThat(per60.check(ip("2001:db8:1:20::1"))).isTrue();

        RateLimiter per96 = new RateLimiter(RateLimitConfig.builder().ipv6PrefixLength(96).build(), ticker);
        drain(per96, ip("2001:db8::1:2:0:1"));
        assertThat(per96.check(ip("2001:db8::1:2:ffff:ffff"))).isFalse();
        assertThat(per96.check(ip("2001:db8::1:3:0:1"))).isTrue();
    }

    @Test
    void ipv4AndIpv6ClientsNeverShareABucket() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.builder().ipv6PrefixLength(128).build(), ticker);
        drain(limiter, ip("1.2.3.4"));
        assertThat(limiter.check(ip("::1.2.3.4"))).isTrue();   // IPv4-compatible IPv6, a different client
        assertThat(limiter.check(ip("::ffff:1.2.3.4"))).isFalse(); // IPv4-mapped is the IPv4 client itself
    }

    @Test
    void unlimitedAllowsEverythingAndTracksNothing() {
        RateLimiter limiter = RateLimiter.unlimited();
        InetAddress client = ip("10.0.0.9");
        for (int i = 0; i < 10_000; i++) {
            assertThat(limiter.check(client)).isTrue();
        }
        assertThat(limiter.check(client, 1_000_000)).isTrue();
        assertThat(limiter.remaining(client)).isEqualTo(Integer.MAX_VALUE);
        assertThat(limiter.trackedClients()).isZero();
        assertThat(limiter.config()).isNull();
    }

    @Test
    void nullClientIsRejected() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.ofDefaults(), ticker);
        assertThatThrownBy(() -> limiter.check(null)).isInstanceOf(NullPointerException.class).hasMessage("client");
    }

    static int drain(RateLimiter limiter, InetAddress client) {
        int n = 0;
        while (limiter.check(client)) {
            n++;
        }
        return n;
    }
}
