package io.edgeproxy.infrastructure.health;

import io.edgeproxy.domain.testing.Eventually;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HealthCheckerReconfigureTest {

    private static HealthCheckConfig every(Duration interval, int unhealthy) {
        return HealthCheckConfig.builder().interval(interval).timeout(Duration.ofMillis(200))
                .healthyThreshold(2).unhealthyThreshold(unhealthy).build();
    }

    @Test
    void aDownBackendStaysDownAndTheNewIntervalAppliesAtOnce() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // closed now: connects are refused
        }
        try (HealthChecker checker = new HealthChecker("b1", new InetSocketAddress("127.0.0.1", port),
                every(Duration.ofMillis(50), 1)).start()) {
            Eventually.await(Duration.ofSeconds(10), "b1 down", () -> !checker.isHealthy());

            checker.reconfigure(every(Duration.ofHours(1), 5));

            Thread.sleep(100);
            assertThat(checker.isHealthy()).as("still down under the new thresholds").isFalse();
            assertThat(checker.config().unhealthyThreshold()).isEqualTo(5);
        }
    }

    @Test
    void anUpBackendStaysUp() {
        HealthChecker checker = new HealthChecker("b2", new InetSocketAddress("127.0.0.1", 9), every(Duration.ofSeconds(5), 3));

        checker.reconfigure(every(Duration.ofSeconds(1), 1));

        assertThat(checker.isHealthy()).isTrue();
        assertThat(checker.config().interval()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aDisabledMonitorCannotBeSwitchedOn() {
        assertThatThrownBy(() -> HealthMonitor.disabled().reconfigure(HealthCheckConfig.ofDefaults()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("health checks are off");
    }
}
