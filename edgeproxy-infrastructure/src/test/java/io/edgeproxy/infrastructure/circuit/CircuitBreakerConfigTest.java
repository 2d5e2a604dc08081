package io.edgeproxy.infrastructure.circuit;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CircuitBreakerConfigTest {

    @Test
    void defaultsMatchTheDocumentation() {
        CircuitBreakerConfig c = CircuitBreakerConfig.ofDefaults();
        assertThat(c.failureThreshold()).isEqualTo(5);
        assertThat(c.successThreshold()).isEqualTo(3);
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.halfOpenMaxTrials()).isEqualTo(1);
        assertThat(c.trialTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void builderCopiesEveryField() {
        CircuitBreakerConfig c = CircuitBreakerConfig.builder().failureThreshold(2).successThreshold(4)
                .timeout(Duration.ofMillis(1500)).halfOpenMaxTrials(3).trialTimeout(Duration.ofSeconds(1)).build();
        assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
        assertThat(c).isNotEqualTo(CircuitBreakerConfig.ofDefaults());
        assertThat(c.toString()).contains("failureThreshold=2", "successThreshold=4", "timeout=PT1.5S",
                "halfOpenMaxTrials=3", "trialTimeout=PT1S");
    }

    @Test
    void rejectsOutOfRangeValuesNamingFieldRuleAndValue() {
        assertThatThrownBy(() -> CircuitBreakerConfig.builder().failureThreshold(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("failureThreshold must be >= 1, but was 0");
        assertThatThrownBy(() -> CircuitBreakerConfig.builder().successThreshold(-1).build())
                .hasMessage("successThreshold must be >= 1, but was -1");
        assertThatThrownBy(() -> CircuitBreakerConfig.builder().timeout(Duration.ZERO).build())
                .hasMessage("timeout must be positive, but was PT0S");
        assertThatThrownBy(() -> CircuitBreakerConfig.builder().timeout(null).build())
                .hasMessage("timeout must not be null");
        assertThatThrownBy(() -> CircuitBreakerConfig.builder().halfOpenMaxTrials(0).build())
                .hasMessage("halfOpenMaxTrials must be between 1 and 1024, but was 0");
        assertThatThrownBy(() -> CircuitBreakerConfig.builder().trialTimeout(Duration.ofSeconds(-5)).build())
                .hasMessage("trialTimeout must be positive, but was PT-5S");
    }
}
