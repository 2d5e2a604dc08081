package io.edgeproxy.infrastructure.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChecksTest {

    @Test
    void integerChecksNameTheRuleAndTheValue() {
        assertThat(Checks.requireAtLeast(1, 1, "failureThreshold")).isEqualTo(1);
        assertThatThrownBy(() -> Checks.requireAtLeast(0, 1, "failureThreshold"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("failureThreshold must be >= 1, but was 0");
        assertThat(Checks.requireBetween(128, 1, 128, "ipv6PrefixLength")).isEqualTo(128);
        assertThatThrownBy(() -> Checks.requireBetween(129, 1, 128, "ipv6PrefixLength"))
                .hasMessage("ipv6PrefixLength must be between 1 and 128, but was 129");
    }

    @Test
    void durationChecksRefuseNullZeroNegativeAndTooLong() {
        assertThat(Checks.requirePositive(Duration.ofNanos(1), "timeout")).isEqualTo(Duration.ofNanos(1));
        assertThatThrownBy(() -> Checks.requirePositive(null, "timeout"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must not be null");
        assertThatThrownBy(() -> Checks.requirePositive(Duration.ZERO, "timeout"))
                .hasMessage("timeout must be positive, but was PT0S");
        assertThatThrownBy(() -> Checks.requirePositive(Duration.ofSeconds(-5), "timeout"))
                .hasMessage("timeout must be positive, but was PT-5S");
        assertThatThrownBy(() -> Checks.requirePositive(Duration.ofDays(365L * 300), "timeout"))
                .hasMessageStartingWith("timeout must be at most 292 years, but was");
        assertThatThrownBy(() -> Checks.requireAtMost(Duration.ofHours(48), Duration.ofDays(1), "interval"))
                .hasMessage("interval must be at most 1 day, but was PT48H");
        assertThatThrownBy(() -> Checks.requireAtMost(Duration.ofDays(366), Duration.ofDays(365), "idleTimeout"))
                .hasMessage("idleTimeout must be at most 365 days, but was PT8784H");
    }

    @Test
    void describeWritesWholeUnitsInWords() {
        assertThat(Checks.describe(Duration.ofDays(1))).isEqualTo("1 day");
        assertThat(Checks.describe(Duration.ofHours(2))).isEqualTo("2 hours");
        assertThat(Checks.describe(Duration.ofMinutes(1))).isEqualTo("1 minute");
        assertThat(Checks.describe(Duration.ofSeconds(90))).isEqualTo("90 seconds");
        assertThat(Checks.describe(Duration.ofMillis(1500))).isEqualTo("PT1.5S");
    }
}
