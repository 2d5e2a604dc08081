package io.edgeproxy.infrastructure.health.internal;

import io.edgeproxy.infrastructure.health.HealthStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class HealthThresholdsTest {

    private final HealthThresholds t = new HealthThresholds(2, 3);

    @Test
    void startsHealthyBeforeAnyProbe() {
        assertThat(t.status()).isEqualTo(HealthStatus.initial());
        assertThat(t.status().healthy()).isTrue();
        assertThat(t.status().lastLatency()).isEmpty();
    }

    @Test
    void turnsUnhealthyOnlyAfterUnhealthyThresholdFailuresInARow() {
        assertThat(t.failed("connection refused")).isFalse();
        assertThat(t.failed("connection refused")).isFalse();
        assertThat(t.status().healthy()).isTrue();
        assertThat(t.status().consecutiveFailures()).isEqualTo(2);
        assertThat(t.failed("timed out after 2000 ms")).isTrue();
        HealthStatus s = t.status();
        assertThat(s.healthy()).isFalse();
        assertThat(s.consecutiveFailures()).isEqualTo(3);
        assertThat(s.lastError()).contains("timed out after 2000 ms");
        assertThat(t.failed("again")).as("already down: no second change").isFalse();
    }

    @Test
    void aPassInBetweenRestartsTheFailureCount() {
        t.failed("x");
        t.failed("x");
        t.passed(Duration.ofMillis(3));
        t.failed("x");
        t.failed("x");
        assertThat(t.status().healthy()).isTrue();
        assertThat(t.status().consecutiveSuccesses()).isZero();
    }

    @Test
    void comesBackAfterHealthyThresholdPassesInARow() {
        for (int i = 0; i < 3; i++) {
            t.failed("x");
        }
        assertThat(t.passed(Duration.ofMillis(4))).isFalse();
        assertThat(t.status().healthy()).isFalse();
        t.failed("x");
        assertThat(t.passed(Duration.ofMillis(4))).isFalse();
        assertThat(t.passed(Duration.ofMillis(5))).isTrue();
        HealthStatus s = t.status();
        assertThat(s.healthy()).isTrue();
        assertThat(s.consecutiveSuccesses()).isEqualTo(2);
        assertThat(s.consecutiveFailures()).isZero();
        assertThat(s.lastLatency()).contains(Duration.ofMillis(5));
        assertThat(s.lastError()).isEmpty();
        assertThat(s.probes()).isEqualTo(7);
    }

    @Test
    void lastLatencySurvivesFailures() {
        t.passed(Duration.ofMillis(7));
        t.failed("refused");
        assertThat(t.status().lastLatency()).contains(Duration.ofMillis(7));
        assertThat(t.status().lastError()).contains("refused");
    }

    @Test
    void thresholdsOfOneFlipOnEveryChange() {
        HealthThresholds one = new HealthThresholds(1, 1);
        assertThat(one.failed("x")).isTrue();
        assertThat(one.passed(Duration.ZERO)).isTrue();
        assertThat(one.passed(Duration.ZERO)).isFalse();
    }
}
