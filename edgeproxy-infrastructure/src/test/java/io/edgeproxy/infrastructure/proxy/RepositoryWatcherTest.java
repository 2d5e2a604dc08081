package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.loop.EventLoops;
import io.edgeproxy.infrastructure.memory.InMemoryBackendRepository;
import io.edgeproxy.domain.testing.Eventually;
import io.edgeproxy.infrastructure.testing.TestBackends;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class RepositoryWatcherTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final EventLoops loops = EventLoops.start(1, "test-watch");

    @AfterEach
    void tearDown() {
        loops.close();
    }

    private static List<String> ids(List<Backend> backends) {
        return backends.stream().map(Backend::id).toList();
    }

    @Test
    void subscribersHearTheSetAtOnceAndOnEveryChangeOnly() throws Exception {
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(TestBackends.local("a", 1000)));
        List<List<String>> heard = new CopyOnWriteArrayList<>();
        RepositoryWatcher watcher = new RepositoryWatcher(repo, loops.get(0), Duration.ofMillis(10));
        watcher.subscribe(b -> heard.add(ids(b))).start();

        Eventually.await(WAIT, "first list", () -> heard.size() == 1, () -> heard);
        Thread.sleep(100); // ten ticks without a change
        assertThat(heard).containsExactly(List.of("a"));

        repo.upsert(TestBackends.local("b", 1001));
        Eventually.await(WAIT, "second list", () -> heard.size() == 2, () -> heard);
        assertThat(heard.get(1)).containsExactlyInAnyOrder("a", "b");

        List<List<String>> late = new CopyOnWriteArrayList<>();
        watcher.subscribe(b -> late.add(ids(b)));
        Eventually.await(WAIT, "a late subscriber hears the current list", () -> late.size() == 1, () -> late);
        watcher.close();
    }

    @Test
    void aFailingRepositoryOrSubscriberKeepsTheOthersGoing() throws Exception {
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(TestBackends.local("a", 1000)));
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
        io.edgeproxy.domain.port.BackendRepository flaky = new io.edgeproxy.domain.port.BackendRepository() {
            @Override
            public List<Backend> all() {
                if (broken.get()) {
                    throw new IllegalStateException("database down");
                }
                return repo.all();
            }

            @Override
            public java.util.Optional<Backend> byId(String id) {
                return repo.byId(id);
            }

            @Override
            public long version() {
                return repo.version();
            }
        };
        List<List<String>> heard = new CopyOnWriteArrayList<>();
        RepositoryWatcher watcher = new RepositoryWatcher(flaky, loops.get(0), Duration.ofMillis(10));
        watcher.subscribe(b -> {
            throw new IllegalStateException("subscriber bug");
        });
        watcher.subscribe(b -> heard.add(ids(b))).start();
        Eventually.await(WAIT, "first list", () -> heard.size() == 1, () -> heard);

        broken.set(true);
        repo.upsert(TestBackends.local("b", 1001));
        Thread.sleep(100);
        assertThat(watcher.current()).extracting(Backend::id).containsExactly("a");

        broken.set(false);
        Eventually.await(WAIT, "caught up", () -> heard.size() == 2, () -> heard);
        watcher.close();
    }
}
