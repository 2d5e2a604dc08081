package io.edgeproxy.infrastructure.config;

import io.edgeproxy.domain.testing.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigWatcherTest {

    private static final Duration WITHIN = Duration.ofSeconds(10);

    private final ConfigWatcher watcher = new ConfigWatcher(Duration.ofMillis(20));
    private final List<ConfigChange> changes = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        watcher.close();
    }

    private void awaitChange(ConfigChange expected) {
        Eventually.await(WITHIN, "a " + expected, () -> changes.contains(expected));
    }

    @Test
    void tellsEveryKindOfChange(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.toml");
        Files.writeString(file, "[rate_limit]\nburst = 10\n");
        watcher.watchFile(file).subscribe(changes::add);

        Files.writeString(file, "[rate_limit]\nburst = 20\n");
        awaitChange(new ConfigChange.FileModified(file));
        awaitChange(new ConfigChange.ValueChanged("rate_limit.burst", "10", "20"));

        Files.delete(file);
        Thread.sleep(100);
        assertThat(changes).hasSize(2); // a deletion is logged, not told: the running configuration stays

        Files.writeString(file, "[rate_limit]\nburst = 30\n");
        awaitChange(new ConfigChange.FullReload());

        changes.clear();
        watcher.reloadNow();
        awaitChange(new ConfigChange.FullReload());
    }

    @Test
    void seesAnAtomicRenameButNotATouch(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.toml");
        Files.writeString(file, "[[backends]]\nid = 'sa-1'\nweight = 1\n");
        watcher.watchFile(file).subscribe(changes::add);

        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(0)); // same bytes: nothing
        Path tmp = dir.resolve("config.toml.tmp");
        Files.writeString(tmp, "[[backends]]\nid = 'sa-1'\nweight = 5\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        awaitChange(new ConfigChange.ValueChanged("backends[sa-1].weight", "1", "5"));
        assertThat(changes.get(0)).isEqualTo(new ConfigChange.FileModified(file));
    }

    @Test
    void followsASymlinkSwapAsKubernetesDoesForAConfigMap(@TempDir Path dir) throws Exception {
        // ..data -> v1; config.toml -> ..data/config.toml; an update swaps ..data to v2 atomically
        Path v1 = Files.createDirectory(dir.resolve("v1"));
        Path v2 = Files.createDirectory(dir.resolve("v2"));
        Files.writeString(v1.resolve("config.toml"), "[circuit_breaker]\nfailure_threshold = 5\n");
        Files.writeString(v2.resolve("config.toml"), "[circuit_breaker]\nfailure_threshold = 9\n");
        Path data = Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Path file = Files.createSymbolicLink(dir.resolve("config.toml"), data.getFileName().resolve("config.toml"));
        watcher.watchFile(file).subscribe(changes::add);

        Path next = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
        Files.move(next, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        awaitChange(new ConfigChange.ValueChanged("circuit_breaker.failure_threshold", "5", "9"));
    }

    @Test
    void aSubscriptionCanBeClosed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.toml");
        Files.writeString(file, "a = 1\n");
        List<ConfigChange> other = new CopyOnWriteArrayList<>();
        ConfigWatcher.Subscription s = watcher.watchFile(file).subscribe(other::add);
        watcher.subscribe(changes::add);
        s.close();

        Files.writeString(file, "a = 2\n");
        awaitChange(new ConfigChange.FileModified(file));
        assertThat(other).isEmpty();
    }
}
