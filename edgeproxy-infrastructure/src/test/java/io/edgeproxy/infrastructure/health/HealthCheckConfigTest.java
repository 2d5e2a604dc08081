package io.edgeproxy.infrastructure.health;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HealthCheckConfigTest {

    @Test
    void defaultsMatchTheDocumentation() {
        HealthCheckConfig c = HealthCheckConfig.ofDefaults();
        assertThat(c.checkType()).isEqualTo(HealthCheckType.tcp());
        assertThat(c.interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.healthyThreshold()).isEqualTo(2);
        assertThat(c.unhealthyThreshold()).isEqualTo(3);
        assertThat(c.jitter()).isEqualTo(0.1);
        assertThat(HealthCheckType.http()).isEqualTo(new HealthCheckType.Http("/health", 200));
    }

    @Test
    void builderCopiesEveryField() {
        HealthCheckConfig c = HealthCheckConfig.builder().checkType(HealthCheckType.http("/ready", 204))
                .interval(Duration.ofSeconds(10)).timeout(Duration.ofSeconds(1)).healthyThreshold(1)
                .unhealthyThreshold(5).jitter(0).build();
        assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
        assertThat(c.toString()).contains("checkType=http /ready 204", "interval=PT10S", "timeout=PT1S",
                "healthyThreshold=1", "unhealthyThreshold=5", "jitter=0.0");
    }

    @Test
    void rejectsOutOfRangeValuesNamingFieldRuleAndValue() {
        assertThatThrownBy(() -> HealthCheckConfig.builder().interval(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("interval must be positive, but was PT0S");
        assertThatThrownBy(() -> HealthCheckConfig.builder().timeout(Duration.ofSeconds(-1)).build())
                .hasMessage("timeout must be positive, but was PT-1S");
        assertThatThrownBy(() -> HealthCheckConfig.builder().timeout(Duration.ofDays(2)).build())
                .hasMessage("timeout must be at most 1 day, but was PT48H");
        assertThatThrownBy(() -> HealthCheckConfig.builder().healthyThreshold(0).build())
                .hasMessage("healthyThreshold must be >= 1, but was 0");
        assertThatThrownBy(() -> HealthCheckConfig.builder().unhealthyThreshold(0).build())
                .hasMessage("unhealthyThreshold must be >= 1, but was 0");
        assertThatThrownBy(() -> HealthCheckConfig.builder().jitter(0.6).build())
                .hasMessage("jitter must be between 0 and 0.5, but was 0.6");
        assertThatThrownBy(() -> HealthCheckConfig.builder().checkType(null).build())
                .hasMessage("checkType must not be null");
    }

    @Test
    void httpCheckValidatesPathAndStatus() {
        assertThatThrownBy(() -> HealthCheckType.http("health"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("path must start with \"/\", but was \"health\"");
        assertThatThrownBy(() -> HealthCheckType.http("/a b"))
                .hasMessage("path must be printable ASCII without spaces, but was \"/a b\"");
        assertThatThrownBy(() -> HealthCheckType.http("/x\r\nHost: evil"))
                .hasMessageStartingWith("path must be printable ASCII without spaces");
        assertThatThrownBy(() -> HealthCheckType.http("/health", 600))
                .hasMessage("expectedStatus must be between 100 and 599, but was 600");
    }

    @Test
    void typeNamedByConfiguration() {
        assertThat(HealthCheckType.named("tcp", "/ignored")).isEqualTo(HealthCheckType.tcp());
        assertThat(HealthCheckType.named("HTTP", null)).isEqualTo(HealthCheckType.http("/health", 200));
        assertThat(HealthCheckType.named("http", "/status")).isEqualTo(HealthCheckType.http("/status"));
        assertThatThrownBy(() -> HealthCheckType.named("udp", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("checkType must be tcp or http, but was \"udp\"");
    }
}
