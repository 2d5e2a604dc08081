package io.edgeproxy.infrastructure.ratelimit;

import io.edgeproxy.domain.testing.FakeTicker;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimiterReconfigureTest {

    private static final InetAddress FLOODER = InetAddress.getLoopbackAddress();

    private static RateLimitConfig config(int maxRequests, int burst) {
        return RateLimitConfig.builder().maxRequests(maxRequests).window(Duration.ofSeconds(1)).burstSize(burst).build();
    }

    @Test
    void aClientKeepsWhatItUsedAcrossAReconfiguration() throws Exception {
        FakeTicker ticker = new FakeTicker();
        RateLimiter limiter = new RateLimiter(config(10, 10), ticker);
        for (int i = 0; i < 8; i++) {
            assertThat(limiter.check(FLOODER)).isTrue();
        }
        InetAddress quiet = InetAddress.getByName("192.0.2.7");

        limiter.reconfigure(config(10, 20));

        assertThat(limiter.config().burstSize()).isEqualTo(20);
        assertThat(limiter.remaining(FLOODER)).isEqualTo(12); // used 8, the bucket now holds 20
        assertThat(limiter.remaining(quiet)).isEqualTo(20);
        for (int i = 0; i < 12; i++) {
            assertThat(limiter.check(FLOODER)).as("check %d", i).isTrue();
        }
        assertThat(limiter.check(FLOODER)).isFalse();
        assertThat(limiter.check(quiet, 20)).isTrue();
    }

    @Test
    void aSmallerBurstCapsTheCarriedDebt() {
        FakeTicker ticker = new FakeTicker();
        RateLimiter limiter = new RateLimiter(config(10, 10), ticker);
        for (int i = 0; i < 10; i++) {
            limiter.check(FLOODER);
        }

        limiter.reconfigure(config(10, 3));

        assertThat(limiter.check(FLOODER)).isFalse();
        ticker.advance(Duration.ofMillis(100)); // one token at 10 per second
        assertThat(limiter.check(FLOODER)).isTrue();
        assertThat(limiter.check(FLOODER)).isFalse();
    }

    @Test
    void theOldBucketsAreDroppedOnceTheyWouldHaveRefilled() {
        FakeTicker ticker = new FakeTicker();
        RateLimiter limiter = new RateLimiter(config(10, 10), ticker);
        limiter.check(FLOODER, 10);
        limiter.reconfigure(config(100, 100));
        assertThat(limiter.trackedClients()).isEqualTo(1);

        ticker.advance(Duration.ofSeconds(1));
        limiter.cleanUp();

        assertThat(limiter.trackedClients()).isZero();
        assertThat(limiter.remaining(FLOODER)).isEqualTo(100);
    }

    @Test
    void anUnlimitedLimiterCannotBeSwitchedOn() {
        assertThatThrownBy(() -> RateLimiter.unlimited().reconfigure(RateLimitConfig.ofDefaults()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("rate limiting is off");
    }
}
