package io.edgeproxy.infrastructure.config;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.GeoResolver;
import io.edgeproxy.infrastructure.config.internal.BackendsSection;
import io.edgeproxy.infrastructure.config.internal.GeoSection;
import io.edgeproxy.infrastructure.config.internal.TomlParser;
import io.edgeproxy.infrastructure.config.internal.TomlTable;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The edgeproxy config file ({@code EDGEPROXY_CONFIG_PATH}), in TOML: its backends, one
 * {@code [[backends]]} table each, with the keys of the PostgreSQL {@code backends} table, and
 * optionally where clients are, one {@code [[geo]]} table ({@code cidr}, {@code country}) per
 * address block.
 * Immutable; the whole file is parsed and validated before anything is returned, so a broken file
 * never yields half a configuration.
 *
 * <pre>{@code
 * # backends.toml
 * [[backends]]
 * id = "sa-1"
 * app = "api"
 * region = "sa"
 * country = "BR"
 * wg_ip = "10.50.1.1"
 * port = 8080
 * # healthy = true, weight = 1, soft_limit = 100, hard_limit = 150 by default
 *
 * List<Backend> backends = ConfigFile.load(Path.of("backends.toml")).backends();
 * }</pre>
 *
 * <p>Errors are {@link ConfigException}s naming the file, the line, the backend (position and id)
 * and the key: {@code backends.toml:12: [[backends]] #2 (id "sa-2"): port must be an integer from 1
 * to 65535, but was 70000}. Unknown top-level sections and unknown keys are refused, so a typo
 * such as {@code [[backend]]} or {@code wieght} cannot pass unnoticed. The TOML subset understood
 * is described by {@link TomlParser}.
 */
public final class ConfigFile {

    /** The top-level sections this version understands. */
    public static final List<String> SECTIONS = List.of(BackendsSection.NAME, GeoSection.NAME);

    private final String source;
    private final List<Backend> backends;
    private final Optional<GeoResolver> geoResolver;

    private ConfigFile(String source, List<Backend> backends, Optional<GeoResolver> geoResolver) {
        this.source = source;
        this.backends = backends;
        this.geoResolver = geoResolver;
    }

    /**
     * Reads and validates a config file (UTF-8).
     *
     * @throws ConfigException when the file cannot be read or holds anything invalid
     */
    public static ConfigFile load(Path file) {
        Objects.requireNonNull(file, "file");
        return from(TomlParser.parse(file));
    }

    /**
     * Parses and validates a config document held in memory.
     *
     * @param source the name errors carry, such as the file name
     * @throws ConfigException when the document holds anything invalid
     */
    public static ConfigFile parse(String source, String toml) {
        return from(TomlParser.parse(source, toml));
    }

    private static ConfigFile from(TomlTable root) {
        for (String key : root.keys()) {
            if (!SECTIONS.contains(key)) {
                Object value = root.get(key);
                String what = value instanceof TomlTable || value instanceof List<?> l && !l.isEmpty()
                        && l.get(0) instanceof TomlTable ? "section" : "top-level key";
                throw root.error(key, "unknown " + what + " \"" + key + "\"; known sections: "
                        + String.join(", ", SECTIONS) + " (one [[backends]] table per backend, one [[geo]] table per address block)");
            }
        }
        return new ConfigFile(root.source(), BackendsSection.read(root), GeoSection.read(root));
    }

    /** @return where the configuration was read from (the file name) */
    public String source() {
        return source;
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

    @Override
    public String toString() {
        return "ConfigFile[" + source + ", " + backends.size() + " backends]";
    }
}
