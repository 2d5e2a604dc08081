package io.edgeproxy.domain;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BindingTest {

    private static final ClientKey CLIENT = new ClientKey("203.0.113.7");
    private static final Duration TTL = Duration.ofSeconds(600);

    @Test
    void expiresOnlyOnceTheTtlHasPassedSinceLastUse() {
        long lastSeen = Duration.ofSeconds(100).toNanos();
        Binding b = new Binding(CLIENT, "sa-1", 0, lastSeen);

        assertThat(b.isExpired(lastSeen, TTL)).isFalse();
        assertThat(b.isExpired(lastSeen + TTL.toNanos(), TTL)).isFalse();
        assertThat(b.isExpired(lastSeen + TTL.toNanos() + 1, TTL)).isTrue();
    }

    @Test
    void measuresAgeFromLastUseNotCreation() {
        Binding b = new Binding(CLIENT, "sa-1", 0, Duration.ofSeconds(500).toNanos());

        assertThat(b.isExpired(Duration.ofSeconds(700).toNanos(), TTL)).isFalse();
    }

    @Test
    void survivesTheTickerWrappingAroundLikeNanoTimeMay() {
        Binding b = new Binding(CLIENT, "sa-1", Long.MAX_VALUE - 5, Long.MAX_VALUE - 5);
        long elevenNanosLater = Long.MAX_VALUE - 5 + 11; // wraps to a negative number

        assertThat(b.isExpired(elevenNanosLater, TTL)).isFalse();
        assertThat(b.isExpired(Long.MAX_VALUE - 5 + TTL.toNanos() + 1, TTL)).isTrue();
    }

    @Test
    void touchingMovesOnlyTheLastUse() {
        Binding b = new Binding(CLIENT, "sa-1", 10, 20);

        Binding touched = b.touchedAt(99);

        assertThat(touched).isEqualTo(new Binding(CLIENT, "sa-1", 10, 99));
        assertThat(b.lastSeenNanos()).isEqualTo(20);
    }

    @Test
    void refusesMissingParts() {
        assertThatThrownBy(() -> new Binding(null, "sa-1", 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client must not be null");
        assertThatThrownBy(() -> new Binding(CLIENT, " ", 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backendId must not be blank");
    }
}
