package io.edgeproxy.examples;

import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.config.ConfigChange;
import io.edgeproxy.infrastructure.config.ConfigFile;
import io.edgeproxy.infrastructure.config.ConfigReloads;
import io.edgeproxy.infrastructure.config.ConfigWatcher;
import io.edgeproxy.infrastructure.config.EdgeProxySettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.nio.file.Path;

/**
 * The launcher's config reloads: SIGHUP re-reads the config file, as it does for nginx and HAProxy,
 * and with {@code EDGEPROXY_CONFIG_WATCH_ENABLED=true} a {@link ConfigWatcher} re-reads it whenever
 * its content changes. Either way the file is applied all or nothing by {@link ConfigReloads}, which
 * counts successes and failures. Both run on the watcher's thread, one reload at a time.
 */
final class ConfigReloader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    private final ConfigReloads reloads;
    private final ConfigWatcher watcher;

    private ConfigReloader(ConfigReloads reloads, ConfigWatcher watcher) {
        this.reloads = reloads;
        this.watcher = watcher;
    }

    /**
     * Starts reloading {@code file} into {@code proxy} on SIGHUP, and on every change when
     * {@code settings.configWatch()} is set.
     *
     * @param loaded the file as the proxy was started with it
     */
    static ConfigReloader start(EdgeProxy proxy, Path file, ConfigFile loaded, EdgeProxySettings settings) {
        ConfigReloads reloads = new ConfigReloads(proxy, file, settings.resilience(), loaded);
        ConfigWatcher watcher = new ConfigWatcher(settings.configWatch().orElse(ConfigWatcher.DEFAULT_INTERVAL));
        if (settings.configWatch().isPresent()) {
            watcher.watchFile(file);
            LOG.info("edge-proxy: watching {} every {} s for changes", file, watcher.interval().toSeconds());
        }
        watcher.subscribe(change -> {
            if (change instanceof ConfigChange.ValueChanged v) {
                LOG.info("edge-proxy: {} changed from {} to {}", v.key(), v.oldValue().isEmpty() ? "(unset)" : v.oldValue(),
                        v.newValue().isEmpty() ? "(unset)" : v.newValue());
            } else {
                reloads.reload();
            }
        });
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                LOG.info("edge-proxy: SIGHUP: reloading {}", file);
                watcher.reloadNow();
            });
        } catch (IllegalArgumentException e) {
            LOG.warn("edge-proxy: SIGHUP cannot be handled on this platform ({}); reload by config watching instead",
                    e.getMessage());
        }
        return new ConfigReloader(reloads, watcher);
    }

    /** @return the reload counters */
    ConfigReloads reloads() {
        return reloads;
    }

    /** Reloads now, on the watcher's thread, as SIGHUP does. */
    void reloadNow() {
        watcher.reloadNow();
    }

    @Override
    public void close() {
        watcher.close();
    }
}
