package io.edgeproxy.infrastructure.config;

import io.edgeproxy.infrastructure.EdgeProxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies the config file to a running {@link EdgeProxy}, all or nothing, and counts the outcomes
 * for monitoring ({@link #succeeded()}, {@link #failed()}).
 *
 * <p>{@link #reload()} reads the whole file, validates it together with the environment's
 * settings, and only then hands it to {@link EdgeProxy#reconfigure}. A file that cannot be read or
 * holds anything invalid is rejected with one log line (file, line, reason), counted, and the
 * running configuration stays. Sections for components that are off, and changes that need a
 * restart ({@code [[geo]]}), are named in warnings.
 *
 * <pre>{@code
 * ConfigReloads reloads = new ConfigReloads(proxy, file, settings.resilience(), ConfigFile.load(file));
 * watcher.subscribe(change -> { if (!(change instanceof ConfigChange.ValueChanged)) reloads.reload(); });
 * }</pre>
 *
 * Thread-safe: reloads are serialized; the counters can be read from any thread.
 */
public final class ConfigReloads {

    private static final Logger log = LoggerFactory.getLogger(ConfigReloads.class);

    private final EdgeProxy proxy;
    private final Path file;
    private final ResilienceSettings environment;
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private ConfigFile current;

    /**
     * @param proxy       the proxy to reconfigure
     * @param file        the config file ({@code EDGEPROXY_CONFIG_PATH})
     * @param environment the settings of the environment variables, which the file's keys override
     * @param current     the file as the proxy was started with it
     */
    public ConfigReloads(EdgeProxy proxy, Path file, ResilienceSettings environment, ConfigFile current) {
        this.proxy = Objects.requireNonNull(proxy, "proxy");
        this.file = Objects.requireNonNull(file, "file");
        this.environment = Objects.requireNonNull(environment, "environment");
        this.current = Objects.requireNonNull(current, "current");
    }

    /** @return whether the file was applied; when not, why is logged and {@link #failed()} counts it */
    public synchronized boolean reload() {
        try {
            ConfigFile next = ConfigFile.load(file, EdgeProxySettings.CONFIG_PATH);
            proxy.reconfigure(next.reconfiguration(environment));
            next.ignoredSections(environment).forEach(log::warn);
            for (String section : next.restartRequiredChanges(current)) {
                log.warn("config reload: {} changed in {}; it takes effect after a restart", section, file);
            }
            current = next;
            succeeded.incrementAndGet();
            log.info("config reloaded from {}: {}", file, BackendSummary.of(next.backends()));
            return true;
        } catch (ConfigException | IllegalArgumentException | IllegalStateException e) {
            failed.incrementAndGet();
            log.warn("config reload rejected, the running configuration stays: {}", e.getMessage());
            return false;
        }
    }

    /** @return how many reloads were applied */
    public long succeeded() {
        return succeeded.get();
    }

    /** @return how many reloads were rejected (unreadable or invalid file) */
    public long failed() {
        return failed.get();
    }

    @Override
    public String toString() {
        return "ConfigReloads[" + file + ", " + succeeded + " succeeded, " + failed + " failed]";
    }
}
