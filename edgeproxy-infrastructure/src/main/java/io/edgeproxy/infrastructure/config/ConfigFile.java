package io.edgeproxy.infrastructure.config;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.GeoResolver;
import io.edgeproxy.infrastructure.Reconfiguration;
import io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig;
import io.edgeproxy.infrastructure.config.internal.BackendsSection;
import io.edgeproxy.infrastructure.config.internal.GeoSection;
import io.edgeproxy.infrastructure.config.internal.ResilienceSections;
import io.edgeproxy.infrastructure.config.internal.TomlReader;
import io.edgeproxy.infrastructure.config.internal.TomlTable;
import io.edgeproxy.infrastructure.health.HealthCheckConfig;
import io.edgeproxy.infrastructure.ratelimit.RateLimitConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The edgeproxy config file ({@code EDGEPROXY_CONFIG_PATH}), in TOML 1.0: its backends, one
 * {@code [[backends]]} table each, with the keys of the PostgreSQL {@code backends} table;
 * optionally where clients are, one {@code [[geo]]} table ({@code cidr}, {@code country}) per
 * address block; and the reloadable settings {@code [rate_limit]}, {@code [circuit_breaker]} and
 * {@code [health_check]}, whose keys override the matching {@code EDGEPROXY_*} variables.
 * Immutable; the whole file is parsed and validated before anything is returned, so a broken file
 * never yields half a configuration.
 *
 * <pre>{@code
 * # edgeproxy.toml
 * [rate_limit]
 * max_requests = 1000     # overrides EDGEPROXY_RATE_LIMIT_MAX_REQUESTS
 * burst = 50
 *
 * [[backends]]
 * id = "sa-1"
 * app = "api"
 * region = "sa"
 * country = "BR"
 * wg_ip = "10.50.1.1"
 * port = 8080
 * # healthy = true, weight = 1, soft_limit = 100, hard_limit = 150 by default
 *
 * ConfigFile file = ConfigFile.load(Path.of("edgeproxy.toml"));
 * List<Backend> backends = file.backends();
 * ResilienceSettings effective = file.applyTo(ResilienceSettings.read(env));
 * }</pre>
 *
 * <p>Errors are {@link ConfigException}s naming the file, the line, the table and the key:
 * {@code backends.toml:12: [[backends]] #2 (id "sa-2"): port must be an integer from 1 to 65535,
 * but was 70000}. Unknown sections and unknown keys are refused, so a typo such as
 * {@code [[backend]]} or {@code wieght} cannot pass unnoticed. The TOML is read by Jackson
 * ({@code jackson-dataformat-toml}).
 */
public final class ConfigFile {

    /** The top-level sections this version understands. */
    public static final List<String> SECTIONS = List.of(BackendsSection.NAME, GeoSection.NAME,
            ResilienceSections.RATE_LIMIT, ResilienceSections.CIRCUIT_BREAKER, ResilienceSections.HEALTH_CHECK);

    private final TomlTable root;
    private final List<Backend> backends;
    private final Optional<GeoResolver> geoResolver;

    private ConfigFile(TomlTable root) {
        for (String key : root.keys()) {
            if (!SECTIONS.contains(key)) {
                String what = root.get(key).isContainer() ? "section" : "top-level key";
                throw root.error(key, "unknown " + what + " \"" + key + "\"; known sections: " + String.join(", ", SECTIONS)
                        + " (one [[backends]] table per backend, one [[geo]] table per address block)");
            }
        }
        this.root = root;
        this.backends = BackendsSection.read(root);
        this.geoResolver = GeoSection.read(root);
        // the reloadable sections are checked now, over the defaults, so that no error waits for a reload
        rateLimit(RateLimitConfig.ofDefaults());
        circuitBreaker(CircuitBreakerConfig.ofDefaults());
        healthCheck(HealthCheckConfig.ofDefaults());
    }

    /**
     * Reads and validates a config file (UTF-8).
     *
     * @throws ConfigException when the file cannot be read or holds anything invalid
     */
    public static ConfigFile load(Path file) {
        return load(file, null);
    }

    /**
     * As {@link #load(Path)}; a file that cannot be read at all is reported in plain words naming
     * {@code setting}: {@code EDGEPROXY_CONFIG_PATH /etc/x is a directory, not a file}.
     *
     * @param setting what named the file, such as {@link EdgeProxySettings#CONFIG_PATH}; null for none
     */
    public static ConfigFile load(Path file, String setting) {
        Objects.requireNonNull(file, "file");
        return new ConfigFile(TomlReader.read(file, setting));
    }

    /**
     * Parses and validates a config document held in memory.
     *
     * @param source the name errors carry, such as the file name
     * @throws ConfigException when the document holds anything invalid
     */
    public static ConfigFile parse(String source, String toml) {
        return new ConfigFile(TomlReader.parse(source, toml));
    }

    /** @return where the configuration was read from (the file name) */
    public String source() {
        return root.source();
    }

    /** @return the backends in file order; empty when the file defines none */
    public List<Backend> backends() {
        return backends;
    }

    /**
     * @return where clients are, from the {@code [[geo]]} tables ({@code cidr} and {@code country}
     *         each; longest prefix wins); empty when the file has none
     */
    public Optional<GeoResolver> geoResolver() {
        return geoResolver;
    }

    /** @return whether the file has the top-level section {@code name}, such as {@code rate_limit} */
    public boolean has(String name) {
        return root.has(name);
    }

    /** @return {@code base} with the keys of {@code [rate_limit]} applied */
    public RateLimitConfig rateLimit(RateLimitConfig base) {
        return ResilienceSections.rateLimit(root, base);
    }

    /** @return {@code base} with the keys of {@code [circuit_breaker]} applied */
    public CircuitBreakerConfig circuitBreaker(CircuitBreakerConfig base) {
        return ResilienceSections.circuitBreaker(root, base);
    }

    /** @return {@code base} with the keys of {@code [health_check]} applied */
    public HealthCheckConfig healthCheck(HealthCheckConfig base) {
        return ResilienceSections.healthCheck(root, base);
    }

    /**
     * @return {@code environment} with the file's keys applied to every enabled component; a
     *         disabled one stays off (see {@link #ignoredSections(ResilienceSettings)})
     * @throws ConfigException when a key breaks a rule together with the environment's values
     */
    public ResilienceSettings applyTo(ResilienceSettings environment) {
        return new ResilienceSettings(environment.rateLimit().map(this::rateLimit),
                environment.circuitBreaker().map(this::circuitBreaker),
                environment.healthCheck().map(this::healthCheck),
                environment.pool());
    }

    /**
     * @return what a running proxy configured by {@code environment} changes to with this file:
     *         the backends and the settings of its enabled components
     */
    public Reconfiguration reconfiguration(ResilienceSettings environment) {
        ResilienceSettings effective = applyTo(environment);
        return new Reconfiguration(Optional.of(backends), effective.rateLimit(), effective.circuitBreaker(),
                effective.healthCheck());
    }

    /**
     * @return one warning per section the file sets for a component that is off in
     *         {@code environment}: its keys apply to nothing, and a reload cannot switch it on
     */
    public List<String> ignoredSections(ResilienceSettings environment) {
        List<String> warnings = new ArrayList<>();
        warnIfOff(warnings, ResilienceSections.RATE_LIMIT, environment.rateLimit(), ResilienceSettings.RATE_LIMIT_ENABLED);
        warnIfOff(warnings, ResilienceSections.CIRCUIT_BREAKER, environment.circuitBreaker(),
                ResilienceSettings.CIRCUIT_BREAKER_ENABLED);
        warnIfOff(warnings, ResilienceSections.HEALTH_CHECK, environment.healthCheck(),
                ResilienceSettings.HEALTH_CHECK_ENABLED);
        return warnings;
    }

    private void warnIfOff(List<String> warnings, String section, Optional<?> component, String enabledVariable) {
        if (has(section) && component.isEmpty()) {
            warnings.add(source() + ":" + root.lineOf(section) + ": [" + section + "] is ignored: the component is off ("
                    + enabledVariable + " is not true), and neither the file nor a reload can switch it on;"
                    + " set " + enabledVariable + "=true and restart");
        }
    }

    /**
     * @return the sections that differ from {@code previous} but take effect only after a restart
     *         ({@code [[geo]]}: the client locations are fixed when the proxy is built)
     */
    public List<String> restartRequiredChanges(ConfigFile previous) {
        Object mine = root.get(GeoSection.NAME);
        Object theirs = previous.root.get(GeoSection.NAME);
        return Objects.equals(mine, theirs) ? List.of() : List.of("[[" + GeoSection.NAME + "]]");
    }

    @Override
    public String toString() {
        return "ConfigFile[" + source() + ", " + backends.size() + " backends]";
    }
}
