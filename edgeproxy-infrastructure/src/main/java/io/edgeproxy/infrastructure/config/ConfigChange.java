package io.edgeproxy.infrastructure.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a {@link ConfigWatcher} saw change. One content change of a watched file is told as one
 * {@link FileModified} followed by one {@link ValueChanged} per key whose value differs (when both
 * versions are valid TOML); a file that comes back after being deleted, and
 * {@link ConfigWatcher#reloadNow()} (SIGHUP), are a {@link FullReload}.
 */
public sealed interface ConfigChange {

    /** The content of {@code path} changed: written in place, or replaced by a rename or a symlink swap. */
    record FileModified(Path path) implements ConfigChange {
        public FileModified {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * One setting changed. Keys are dotted paths as an operator reads them, backends by id:
     * {@code rate_limit.burst}, {@code backends[sa-1].weight}. A key added or removed has an empty
     * old or new value.
     */
    record ValueChanged(String key, String oldValue, String newValue) implements ConfigChange {
        public ValueChanged {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(oldValue, "oldValue");
            Objects.requireNonNull(newValue, "newValue");
        }
    }

    /** Everything should be read again: a deleted file is back, or a reload was asked for. */
    record FullReload() implements ConfigChange {
    }
}
