package io.edgeproxy.infrastructure.config;

import io.edgeproxy.infrastructure.config.internal.TomlReader;
import io.edgeproxy.infrastructure.config.internal.TomlTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches configuration files and tells subscribers what changed, as {@link ConfigChange}s.
 *
 * <p>It polls: every interval ({@code EDGEPROXY_CONFIG_WATCH_INTERVAL_SECS}, 5 seconds by default)
 * each watched file is read on the watcher's own daemon thread, {@code edgeproxy-config-watch}
 * (reading a file blocks, so never on an event loop). A change is a change of content (a SHA-256
 * of the bytes, not the modification time, which editors and copies do not keep reliably), so it
 * catches a file written in place, replaced by an atomic rename (as editors save), or swapped
 * through a symlink (as Kubernetes updates a mounted ConfigMap). A deleted file is logged and
 * nothing is told (whoever applies the file keeps the running configuration); when it comes back,
 * a {@link ConfigChange.FullReload} is told. Polling works the same on every file system,
 * including network and container mounts where file-system events are unreliable.
 *
 * <p>Subscribers are called on the watcher thread, in subscription order, outside any lock; one that
 * throws is logged and the others still run. {@link #subscribe} returns the handle that
 * unsubscribes. Thread-safe.
 *
 * <pre>{@code
 * ConfigWatcher watcher = new ConfigWatcher(Duration.ofSeconds(5));
 * watcher.watchFile(Path.of("/etc/edgeproxy/config.toml"));
 * ConfigWatcher.Subscription s = watcher.subscribe(change -> {
 *     if (change instanceof ConfigChange.ValueChanged v) {
 *         log.info("{} changed to {}", v.key(), v.newValue());
 *     } else {
 *         reload();  // FileModified or FullReload
 *     }
 * });
 * ...
 * watcher.close();
 * }</pre>
 */
public final class ConfigWatcher implements AutoCloseable {

    /** Defaults to 5 seconds, as {@code EDGEPROXY_CONFIG_WATCH_INTERVAL_SECS}. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

    /** The handle of one subscription. */
    public interface Subscription extends AutoCloseable {
        /** Stops the deliveries to this subscriber. Idempotent. */
        @Override
        void close();
    }

    private final Duration interval;
    private final List<Consumer<ConfigChange>> subscribers = new CopyOnWriteArrayList<>();
    private final Map<Path, Snapshot> files = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread;

    /** What was last seen of one file: nothing when it is missing. */
    private record Snapshot(boolean exists, byte[] hash, Map<String, String> values) {
        static final Snapshot MISSING = new Snapshot(false, new byte[0], Map.of());
    }

    /**
     * @param interval how often the files are read; at least 1 ms
     */
    private final java.util.concurrent.atomic.AtomicBoolean polling = new java.util.concurrent.atomic.AtomicBoolean();

    public ConfigWatcher(Duration interval) {
        if (interval == null || interval.toMillis() < 1) {
            throw new IllegalArgumentException("interval must be at least 1 ms, but was " + interval);
        }
        this.interval = interval;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "edgeproxy-config-watch");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts watching {@code path} from its current content (a change is what differs from now).
     * A missing file may be watched: its appearance is a {@link ConfigChange.FullReload}.
     *
     * @return this watcher
     */
    public ConfigWatcher watchFile(Path path) {
        Path p = Objects.requireNonNull(path, "path");
        files.putIfAbsent(p, read(p));
        if (polling.compareAndSet(false, true)) {
            // the thread starts with the first watched file: a watcher used only for reloadNow() holds none
            thread.scheduleWithFixedDelay(this::checkAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Delivers every change from now on to {@code subscriber}. @return the handle that unsubscribes */
    public Subscription subscribe(Consumer<ConfigChange> subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /** Tells a {@link ConfigChange.FullReload} now, on the watcher thread (what SIGHUP asks for). */
    public void reloadNow() {
        thread.execute(() -> publish(new ConfigChange.FullReload()));
    }

    /** @return the polling interval */
    public Duration interval() {
        return interval;
    }

    /** Stops polling. Idempotent. */
    @Override
    public void close() {
        thread.shutdownNow();
    }

    private void checkAll() {
        for (Map.Entry<Path, Snapshot> e : files.entrySet()) {
            try {
                check(e.getKey(), e.getValue());
            } catch (RuntimeException ex) {
                log.warn("config watch: checking {} failed; trying again in {}", e.getKey(), interval, ex);
            }
        }
    }

    private void check(Path path, Snapshot before) {
        Snapshot now = read(path);
        if (!now.exists()) {
            if (before.exists()) {
                log.warn("config file {} was deleted; the running configuration stays until it is back", path);
                files.put(path, now);
            }
            return;
        }
        if (!before.exists()) {
            files.put(path, now);
            log.info("config file {} is back", path);
            publish(new ConfigChange.FullReload());
            return;
        }
        if (Arrays.equals(before.hash(), now.hash())) {
            return;
        }
        files.put(path, now);
        publish(new ConfigChange.FileModified(path));
        if (now.values() != null && before.values() != null) {
            Set<String> keys = new TreeSet<>(before.values().keySet());
            keys.addAll(now.values().keySet());
            for (String key : keys) {
                String was = before.values().getOrDefault(key, "");
                String is = now.values().getOrDefault(key, "");
                if (!was.equals(is)) {
                    publish(new ConfigChange.ValueChanged(key, was, is));
                }
            }
        }
    }

    private void publish(ConfigChange change) {
        for (Consumer<ConfigChange> s : subscribers) {
            try {
                s.accept(change);
            } catch (RuntimeException e) {
                log.warn("config watch: subscriber {} failed on {}", s, change, e);
            }
        }
    }

    /** Reads the file through any symlink; its values are null when it is not valid TOML. */
    private static Snapshot read(Path path) {
        byte[] bytes;
        try {
            if (!Files.readAttributes(path, BasicFileAttributes.class).isRegularFile()) {
                return Snapshot.MISSING;
            }
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return Snapshot.MISSING;
        } catch (IOException e) {
            log.warn("config watch: cannot read {}: {}", path, e.getMessage());
            return Snapshot.MISSING;
        }
        Map<String, String> values;
        try {
            values = new LinkedHashMap<>();
            flatten(TomlReader.parse(path.toString(), new String(bytes, StandardCharsets.UTF_8)), "", values);
        } catch (ConfigException e) {
            values = null;
        }
        return new Snapshot(true, sha256(bytes), values);
    }

    /** {@code rate_limit.burst -> 10}, {@code backends[sa-1].weight -> 2}: array-of-table elements by id, else by position. */
    private static void flatten(TomlTable table, String prefix, Map<String, String> out) {
        for (String key : table.keys()) {
            JsonNode v = table.get(key);
            String name = prefix + key;
            if (v.isObject()) {
                flatten(table.table(key), name + ".", out);
            } else if (TomlTable.typeName(v).equals("array of tables")) {
                List<TomlTable> elements = table.tables(key);
                for (int i = 0; i < elements.size(); i++) {
                    JsonNode id = elements.get(i).get("id");
                    String element = id != null && id.isString() ? id.stringValue() : String.valueOf(i);
                    flatten(elements.get(i), name + "[" + element + "].", out);
                }
            } else {
                out.put(name, TomlTable.describe(v));
            }
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
