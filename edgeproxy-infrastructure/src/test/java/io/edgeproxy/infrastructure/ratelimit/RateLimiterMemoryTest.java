package io.edgeproxy.infrastructure.ratelimit;

import io.edgeproxy.domain.testing.FakeTicker;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

import static io.edgeproxy.infrastructure.ratelimit.RateLimiterTest.drain;
import static io.edgeproxy.infrastructure.ratelimit.RateLimiterTest.ip;
import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterMemoryTest {

    private final FakeTicker ticker = new FakeTicker();

    static InetAddress ipv4(int bits) {
        try {
            return InetAddress.getByAddress(new byte[]{(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8),
                    (byte) bits});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aFloodFromAMillionAddressesNeverTracksMoreThanTheCap() {
        int cap = 1000;
        RateLimiter limiter = new RateLimiter(RateLimitConfig.builder().maxTrackedClients(cap).build(), ticker);
        int maxSeen = 0;
        for (int i = 0; i < 1_000_000; i++) {
            // the clock does not move: every address keeps a debt, nothing refills on its own
            assertThat(limiter.check(ipv4(0x0A00_0000 + i))).isTrue();
            int tracked = limiter.trackedClients();
            if (tracked > maxSeen) {
                maxSeen = tracked;
                assertThat(tracked).as("tracked after %d addresses", i + 1).isLessThanOrEqualTo(cap);
            }
        }
        assertThat(maxSeen).as("the table does fill up").isGreaterThan(cap / 2);
    }

    @Test
    void aFloodOfIpv6AddressesIsBoundedToo() {
        int cap = 64;
        RateLimiter limiter = new RateLimiter(RateLimitConfig.builder().maxTrackedClients(cap).ipv6PrefixLength(128)
                .build(), ticker);
        byte[] a = new byte[16];
        a[0] = 0x20;
        a[1] = 0x01;
        for (int i = 0; i < 100_000; i++) {
            a[12] = (byte) (i >>> 24);
            a[13] = (byte) (i >>> 16);
            a[14] = (byte) (i >>> 8);
            a[15] = (byte) i;
            try {
                limiter.check(InetAddress.getByAddress(a));
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
            assertThat(limiter.trackedClients()).isLessThanOrEqualTo(cap);
        }
    }

    @Test
    void bucketsThatRefilledToFullAreForgottenByCleanUp() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.ofDefaults(), ticker);
        for (int i = 0; i < 500; i++) {
            limiter.check(ipv4(0x0A00_0000 + i));
        }
        assertThat(limiter.trackedClients()).isEqualTo(500);
        ticker.advanceNanos(9_999_999);               // one token takes 10 ms to come back
        limiter.cleanUp();
        assertThat(limiter.trackedClients()).isEqualTo(500);
        ticker.advanceNanos(1);
        limiter.cleanUp();
        assertThat(limiter.trackedClients()).isZero();
    }

    @Test
    void newClientsSweepFullBucketsWithoutAnyCleanUpCall() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.builder().maxTrackedClients(1000).build(), ticker);
        for (int i = 0; i < 100; i++) {
            limiter.check(ipv4(0x0A00_0000 + i));
        }
        // every one of them has been full again for a whole window: it may be forgotten
        ticker.advance(Duration.ofSeconds(2));
        // 1000 clients make 125 groups; one sweep step per new client covers them all
        for (int i = 0; i < 125; i++) {
            limiter.check(ipv4(0x0B00_0000 + i));
        }
        assertThat(limiter.trackedClients()).isEqualTo(125);
    }

    @Test
    void atTheCapTheClientClosestToAFullBucketIsForgotten() {
        // a cap of 2 is a single group of 2 slots
        RateLimiter limiter = new RateLimiter(RateLimitConfig.builder().maxTrackedClients(2).build(), ticker);
        InetAddress heavy = ip("10.0.0.1");
        InetAddress light = ip("10.0.0.2");
        assertThat(limiter.check(heavy, 5)).isTrue();
        assertThat(limiter.check(light, 1)).isTrue();

        assertThat(limiter.check(ip("10.0.0.3"))).isTrue();

        assertThat(limiter.trackedClients()).isEqualTo(2);
        assertThat(limiter.remaining(heavy)).isEqualTo(5);   // kept: it owes the most
        assertThat(limiter.remaining(light)).isEqualTo(10);  // forgotten: back to a full bucket
    }

    @Test
    void atTheCapAFullBucketGoesBeforeOneThatStillOwes() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.builder().maxTrackedClients(2).build(), ticker);
        InetAddress full = ip("10.0.0.1");
        InetAddress owing = ip("10.0.0.2");
        assertThat(limiter.check(full, 1)).isTrue();
        assertThat(limiter.check(owing, 5)).isTrue();
        ticker.advance(Duration.ofMillis(20));       // full is full again, owing still owes 3 tokens
        assertThat(limiter.trackedClients()).isEqualTo(2);

        assertThat(limiter.check(ip("10.0.0.3"))).isTrue();

        assertThat(limiter.trackedClients()).isEqualTo(2);
        assertThat(limiter.remaining(owing)).isEqualTo(7);
    }

    @Test
    void aForgottenFullBucketBehavesExactlyLikeANewClient() {
        RateLimiter limiter = new RateLimiter(RateLimitConfig.ofDefaults(), ticker);
        InetAddress client = ip("10.0.0.1");
        drain(limiter, client);
        ticker.advance(Duration.ofMillis(100));
        limiter.cleanUp();
        assertThat(limiter.trackedClients()).isZero();
        assertThat(drain(limiter, client)).isEqualTo(10);
    }
}
