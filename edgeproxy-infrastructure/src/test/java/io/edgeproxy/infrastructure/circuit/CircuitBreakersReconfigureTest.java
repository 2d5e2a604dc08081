package io.edgeproxy.infrastructure.circuit;

import io.edgeproxy.domain.testing.FakeTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CircuitBreakersReconfigureTest {

    private static CircuitBreakerConfig failures(int threshold) {
        return CircuitBreakerConfig.builder().failureThreshold(threshold).timeout(Duration.ofSeconds(30)).build();
    }

    @Test
    void closedBreakersTakeTheNewSettingsAndOpenOnesFinishTheirCycle() {
        FakeTicker ticker = new FakeTicker();
        CircuitBreakers breakers = new CircuitBreakers(failures(2), ticker);
        breakers.forBackend("open").tryAcquirePermit().onFailure();
        breakers.forBackend("open").tryAcquirePermit().onFailure();
        assertThat(breakers.forBackend("open").state()).isEqualTo(CircuitState.OPEN);
        breakers.forBackend("closed");

        breakers.reconfigure(failures(4));

        assertThat(breakers.config().failureThreshold()).isEqualTo(4);
        assertThat(breakers.forBackend("closed").config().failureThreshold()).isEqualTo(4);
        assertThat(breakers.forBackend("open").state()).as("an open circuit stays open").isEqualTo(CircuitState.OPEN);
        assertThat(breakers.forBackend("open").config().failureThreshold()).isEqualTo(2);
        for (int i = 0; i < 3; i++) {
            breakers.forBackend("closed").tryAcquirePermit().onFailure();
        }
        assertThat(breakers.forBackend("closed").state()).isEqualTo(CircuitState.CLOSED);
        assertThat(breakers.forBackend("new").config().failureThreshold()).isEqualTo(4);
    }

    @Test
    void disabledBreakersCannotBeSwitchedOn() {
        assertThatThrownBy(() -> CircuitBreakers.disabled().reconfigure(CircuitBreakerConfig.ofDefaults()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("circuit breaking is off");
    }
}
