package io.edgeproxy.examples;

import io.edgeproxy.adapters.postgres.PostgresBackendRepository;
import io.edgeproxy.adapters.postgres.PostgresConfig;
import io.edgeproxy.adapters.postgres.PostgresRepositoryException;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.config.ConfigException;
import io.edgeproxy.infrastructure.config.ConfigFile;
import io.edgeproxy.infrastructure.config.EdgeProxySettings;
import io.edgeproxy.infrastructure.config.MetricsSettings;
import io.edgeproxy.infrastructure.config.PostgresSettings;
import io.edgeproxy.examples.EdgeProxyMain.Launch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The standalone proxy routing from PostgreSQL ({@code EDGEPROXY_POSTGRES_ENABLED=true}): the
 * {@code EDGEPROXY_POSTGRES_*} settings become a {@link PostgresConfig}, the repository creates
 * its schema and loads the backends, and the proxy reads them like any other repository. A config
 * file is optional; when set, its {@code [[geo]]} tables and resilience sections apply as in file
 * mode (read once: the file is not watched in this mode) and its backends are ignored.
 */
final class PostgresLaunch {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresLaunch.class);

    private PostgresLaunch() {
    }

    /**
     * @throws ConfigException when the settings break a rule of {@link PostgresConfig}
     * @throws CannotReach     when the database cannot be reached or refuses the credentials
     */
    static Launch start(EdgeProxySettings settings, PostgresSettings postgres, MetricsSettings metrics) {
        PostgresConfig config = toConfig(postgres);
        if (settings.configWatch().isPresent()) {
            // the launcher reloads the file only where the backends come from it
            throw new ConfigException(EdgeProxySettings.CONFIG_WATCH_ENABLED + "=true has no effect with "
                    + PostgresSettings.ENABLED + "=true: the backends come from PostgreSQL, which is followed on its own,"
                    + " and the config file is read once at start; unset " + EdgeProxySettings.CONFIG_WATCH_ENABLED);
        }
        EdgeProxy.Builder builder = EdgeProxyMain.builder(settings, metrics);
        if (settings.configPath().isPresent()) {
            Path file = settings.configPath().get();
            ConfigFile configFile = ConfigFile.load(file, EdgeProxySettings.CONFIG_PATH);
            if (!configFile.backends().isEmpty()) {
                LOG.warn("edge-proxy: ignoring the {} backends of {}: they come from PostgreSQL", configFile.backends().size(),
                        file);
            }
            EdgeProxyMain.applyFile(configFile, settings, builder);
        } else {
            LOG.info("edge-proxy: resilience: {}", settings.resilience().describe());
        }
        EdgeProxyMain.checkListenAddressFree(settings.listenAddress());

        PostgresBackendRepository repository = new PostgresBackendRepository(config);
        try {
            repository.initialize();
            repository.startSync();
        } catch (PostgresRepositoryException e) {
            repository.close();
            throw new CannotReach(e.getMessage());
        }
        LOG.info("edge-proxy: backends from PostgreSQL {}: {} live", postgres.describe(), repository.all().size());
        EdgeProxy proxy = builder.backendRepository(repository).build();
        try {
            proxy.start();
        } catch (UncheckedIOException e) {
            proxy.close();
            repository.close();
            throw EdgeProxyMain.cannotListen(settings.listenAddress(), e.getCause());
        }
        return Launch.running(proxy, () -> {
            proxy.close();
            repository.close();
        });
    }

    private static PostgresConfig toConfig(PostgresSettings postgres) {
        try {
            return PostgresConfig.builder(postgres.url().orElseThrow())
                    .maxConnections(postgres.maxConnections())
                    .minConnections(postgres.minConnections())
                    .connectTimeout(postgres.connectTimeout())
                    .queryTimeout(postgres.queryTimeout())
                    .reloadInterval(postgres.reloadInterval())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("EDGEPROXY_POSTGRES_*: " + e.getMessage());
        }
    }

    /** The database cannot be reached at startup; the message names it, password masked. */
    static final class CannotReach extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CannotReach(String message) {
            super(message, null, false, false);
        }
    }
}
