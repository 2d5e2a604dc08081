package io.edgeproxy.infrastructure.memory;

import io.edgeproxy.domain.Binding;
import io.edgeproxy.domain.ClientKey;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryBindingRepositoryTest {

    private static Binding binding(int client, String backend, long lastSeen) {
        return new Binding(new ClientKey("10.0.0." + client), backend, 0, lastSeen);
    }

    @Test
    void neverHoldsMoreThanItsCapWhateverTheNumberOfClients() {
        InMemoryBindingRepository repo = new InMemoryBindingRepository(100);
        for (int i = 0; i < 100_000; i++) {
            repo.save(new Binding(new ClientKey("c" + i), "b", 0, 0));
            assertThat(repo.size()).isLessThanOrEqualTo(100);
        }
        // The newest binding is always kept.
        assertThat(repo.find(new ClientKey("c99999"))).isPresent();
    }

    @Test
    void replacingABindingAtTheCapEvictsNobody() {
        InMemoryBindingRepository repo = new InMemoryBindingRepository(2);
        repo.save(binding(1, "a", 0));
        repo.save(binding(2, "a", 0));
        repo.save(binding(1, "b", 5));

        assertThat(repo.size()).isEqualTo(2);
        assertThat(repo.find(new ClientKey("10.0.0.2"))).isPresent();
        assertThat(repo.find(new ClientKey("10.0.0.1")).orElseThrow().backendId()).isEqualTo("b");
    }

    @Test
    void removesOnlyExpiredBindings() {
        InMemoryBindingRepository repo = new InMemoryBindingRepository();
        repo.save(binding(1, "a", 0));
        repo.save(binding(2, "a", 50));

        assertThat(repo.removeExpired(70, Duration.ofNanos(30))).isEqualTo(1);
        assertThat(repo.find(new ClientKey("10.0.0.1"))).isEmpty();
        assertThat(repo.find(new ClientKey("10.0.0.2"))).isPresent();
    }

    @Test
    void removeIfBoundToLeavesABindingToAnotherBackend() {
        InMemoryBindingRepository repo = new InMemoryBindingRepository();
        repo.save(binding(1, "b", 0));

        repo.removeIfBoundTo(new ClientKey("10.0.0.1"), "a");
        assertThat(repo.find(new ClientKey("10.0.0.1"))).isPresent();
        repo.removeIfBoundTo(new ClientKey("10.0.0.1"), "b");
        assertThat(repo.find(new ClientKey("10.0.0.1"))).isEmpty();
    }

    @Test
    void refusesACapBelowOne() {
        assertThatThrownBy(() -> new InMemoryBindingRepository(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxBindings must be >= 1, but was 0");
    }
}
