package io.edgeproxy.infrastructure.memory;

import io.edgeproxy.domain.Backend;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryBackendRepositoryTest {

    private static Backend backend(String id, boolean healthy) {
        return Backend.builder(id).app("api").region("sa").country("BR").address("10.0.0.1").port(80)
                .healthy(healthy).build();
    }

    @Test
    void everyChangeBumpsTheVersionAndPublishesANewSnapshot() {
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(backend("a", true)));
        long v0 = repo.version();
        List<Backend> before = repo.all();

        repo.upsert(backend("b", false));

        assertThat(repo.version()).isGreaterThan(v0);
        assertThat(before).extracting(Backend::id).containsExactly("a"); // the old snapshot is untouched
        assertThat(repo.all()).extracting(Backend::id).containsExactly("a", "b");
        assertThat(repo.healthy()).extracting(Backend::id).containsExactly("a");
        assertThat(repo.byId("b")).contains(backend("b", false));
    }

    @Test
    void aChangeThatChangesNothingKeepsTheVersion() {
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(backend("a", true)));
        long v = repo.version();

        repo.upsert(backend("a", true));
        repo.remove("missing");

        assertThat(repo.version()).isEqualTo(v);
    }

    @Test
    void removeAndReplaceAll() {
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(backend("a", true), backend("b", true)));

        assertThat(repo.remove("a")).isTrue();
        assertThat(repo.byId("a")).isEmpty();
        repo.replaceAll(List.of(backend("c", true)));
        assertThat(repo.all()).extracting(Backend::id).containsExactly("c");
    }

    @Test
    void refusesDuplicateIds() {
        assertThatThrownBy(() -> new InMemoryBackendRepository(List.of(backend("a", true), backend("a", false))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend id \"a\" appears twice");
    }
}
