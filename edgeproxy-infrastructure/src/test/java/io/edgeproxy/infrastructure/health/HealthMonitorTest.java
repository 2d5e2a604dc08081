package io.edgeproxy.infrastructure.health;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.BackendAvailability;
import io.edgeproxy.domain.testing.Eventually;
import io.edgeproxy.infrastructure.memory.InMemoryBackendRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.edgeproxy.infrastructure.testing.TestBackends.local;
import static org.assertj.core.api.Assertions.assertThat;

class HealthMonitorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ServerSocket live;
    private final int closedPort;
    private HealthMonitor monitor;

    HealthMonitorTest() throws IOException {
        live = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        if (monitor != null) {
            monitor.stop();
        }
        live.close();
    }

    @Test
    void probesEveryBackendOfTheRepositoryAndVetoesTheDeadOnes() {
        Backend up = local("up", live.getLocalPort());
        Backend down = local("down", closedPort);
        InMemoryBackendRepository repo = new InMemoryBackendRepository(java.util.List.of(up, down));
        List<String> changes = new CopyOnWriteArrayList<>();
        monitor = new HealthMonitor(repo, HealthCheckerTest.fast(HealthCheckType.tcp()))
                .onChange((id, s) -> changes.add(id + " " + s.healthy()));
        assertThat(monitor.isHealthy("down")).as("unknown until probed: not vetoed").isTrue();
        monitor.start();

        Eventually.await(WAIT, "down is marked unhealthy", () -> !monitor.isHealthy("down"), monitor::statuses);
        Eventually.await(WAIT, "up has passed probes",
                () -> monitor.status("up").map(s -> s.consecutiveSuccesses() >= 2).orElse(false), monitor::statuses);
        assertThat(monitor.isAvailable(up)).isTrue();
        assertThat(monitor.isAvailable(down)).isFalse();
        BackendAvailability both = monitor.and(BackendAvailability.always());
        assertThat(both.isAvailable(down)).isFalse();
        // Listeners run after the new status is published: wait for the announcement itself.
        Eventually.await(WAIT, "the change is announced", () -> !changes.isEmpty(), monitor::statuses);
        assertThat(changes).containsExactly("down false");
        assertThat(monitor.statuses()).containsOnlyKeys("down", "up");
    }

    @Test
    void picksUpAddedAndRemovedBackendsWithinAnInterval() {
        InMemoryBackendRepository repo = new InMemoryBackendRepository(java.util.List.of(local("up", live.getLocalPort())));
        monitor = new HealthMonitor(repo, HealthCheckerTest.fast(HealthCheckType.tcp())).start();
        Eventually.await(WAIT, "up is checked", () -> monitor.status("up").isPresent());

        repo.upsert(local("late", closedPort));
        Eventually.await(WAIT, "the added backend is probed and marked down", () -> !monitor.isHealthy("late"),
                monitor::statuses);

        repo.remove("late");
        Eventually.await(WAIT, "the removed backend is no longer checked", () -> monitor.status("late").isEmpty(),
                monitor::statuses);
        assertThat(monitor.isHealthy("late")).isTrue();
        assertThat(monitor.statuses()).containsOnlyKeys("up");
    }

    @Test
    void aBackendThatMovedGetsAFreshChecker() {
        InMemoryBackendRepository repo = new InMemoryBackendRepository(java.util.List.of(local("b", closedPort)));
        monitor = new HealthMonitor(repo, HealthCheckerTest.fast(HealthCheckType.tcp())).start();
        Eventually.await(WAIT, "b is marked down", () -> !monitor.isHealthy("b"), monitor::statuses);

        repo.remove("b");
        repo.upsert(local("b", live.getLocalPort()));
        Eventually.await(WAIT, "b at its new address passes",
                () -> monitor.status("b").map(s -> s.healthy() && s.consecutiveSuccesses() >= 1).orElse(false),
                monitor::statuses);
    }

    @Test
    void stopEndsEveryCheckerAndTheProbeThread() {
        InMemoryBackendRepository repo = new InMemoryBackendRepository(java.util.List.of(local("up", live.getLocalPort()),
                local("down", closedPort)));
        monitor = new HealthMonitor(repo, HealthCheckerTest.fast(HealthCheckType.tcp())).start();
        Eventually.await(WAIT, "both probed", () -> monitor.statuses().size() == 2
                && monitor.statuses().values().stream().allMatch(s -> s.probes() >= 1), monitor::statuses);
        monitor.stop();
        Eventually.await(WAIT, "the probe thread ended", () -> HealthCheckerTest.probeThreads() == 0);
        assertThat(monitor.statuses()).isEmpty();
    }
}
