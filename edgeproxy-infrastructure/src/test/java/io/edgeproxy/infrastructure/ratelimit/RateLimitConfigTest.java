package io.edgeproxy.infrastructure.ratelimit;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimitConfigTest {

    @Test
    void defaultsMatchTheDocumentation() {
        RateLimitConfig c = RateLimitConfig.ofDefaults();
        assertThat(c.maxRequests()).isEqualTo(100);
        assertThat(c.window()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.burstSize()).isEqualTo(10);
        assertThat(c.maxTrackedClients()).isEqualTo(2_000_000);
        assertThat(c.ipv6PrefixLength()).isEqualTo(64);
    }

    @Test
    void builderCopiesEveryField() {
        RateLimitConfig c = RateLimitConfig.builder().maxRequests(7).window(Duration.ofSeconds(3)).burstSize(2)
                .maxTrackedClients(99).ipv6PrefixLength(48).build();
        assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
        assertThat(c.toString()).contains("maxRequests=7", "window=PT3S", "burstSize=2", "maxTrackedClients=99",
                "ipv6PrefixLength=48");
    }

    @Test
    void rejectsOutOfRangeValuesNamingFieldRuleAndValue() {
        assertThatThrownBy(() -> RateLimitConfig.builder().maxRequests(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxRequests must be >= 1, but was 0");
        assertThatThrownBy(() -> RateLimitConfig.builder().window(Duration.ZERO).build())
                .hasMessage("window must be positive, but was PT0S");
        assertThatThrownBy(() -> RateLimitConfig.builder().window(Duration.ofMillis(-1)).build())
                .hasMessage("window must be positive, but was PT-0.001S");
        assertThatThrownBy(() -> RateLimitConfig.builder().window(null).build())
                .hasMessage("window must not be null");
        assertThatThrownBy(() -> RateLimitConfig.builder().burstSize(0).build())
                .hasMessage("burstSize must be >= 1, but was 0");
        assertThatThrownBy(() -> RateLimitConfig.builder().maxTrackedClients(0).build())
                .hasMessage("maxTrackedClients must be between 1 and 1073741824, but was 0");
        assertThatThrownBy(() -> RateLimitConfig.builder().ipv6PrefixLength(129).build())
                .hasMessage("ipv6PrefixLength must be between 1 and 128, but was 129");
        assertThatThrownBy(() -> RateLimitConfig.builder().ipv6PrefixLength(0).build())
                .hasMessage("ipv6PrefixLength must be between 1 and 128, but was 0");
    }

    @Test
    void rejectsARefillSpanTooLongToCountExactly() {
        assertThatThrownBy(() -> RateLimitConfig.builder().maxRequests(1).window(Duration.ofDays(365 * 100))
                .burstSize(1000).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("burstSize * window / maxRequests (the time to refill a bucket) is too long");
    }

    @Test
    void theDefaultNumberOfTrackedClientsFillsATenthOfTheHeapAtMost() {
        assertThat(RateLimitConfig.defaultMaxTrackedClients(64L << 20)).isEqualTo(258_111);
        assertThat(RateLimitConfig.defaultMaxTrackedClients(1L << 20)).isEqualTo(10_000);
        assertThat(RateLimitConfig.defaultMaxTrackedClients(8L << 30)).isEqualTo(2_000_000);
        assertThat(RateLimitConfig.defaultMaxTrackedClients(Long.MAX_VALUE)).isEqualTo(2_000_000);
    }
}
