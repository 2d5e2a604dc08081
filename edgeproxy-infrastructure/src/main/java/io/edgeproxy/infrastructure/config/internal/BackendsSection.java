package io.edgeproxy.infrastructure.config.internal;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.IpLiteral;
import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.infrastructure.config.ConfigException;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code [[backends]]} tables of the config file, one per backend, whose keys are the
 * columns of the PostgreSQL {@code backends} table:
 *
 * <pre>
 * [[backends]]
 * id = "sa-1"            # required, unique
 * app = "api"            # required
 * region = "sa"          # required
 * country = "BR"         # required, ISO 3166-1 alpha-2 (of the built-in country table)
 * wg_ip = "10.50.1.1"    # required, an IPv4 or IPv6 address (never a host name)
 * port = 8080            # required, 1 to 65535
 * healthy = true         # default true; 1 or 0 also accepted, as in the SQL column
 * weight = 1             # default 1; 0 takes no new clients
 * soft_limit = 100       # default 100
 * hard_limit = 150       # default 150
 * </pre>
 *
 * Every error names the file and line, the backend by position and id, and the key.
 */
public final class BackendsSection {

    /** The section's key at the top level of the file. */
    public static final String NAME = "backends";
    /** Every key a {@code [[backends]]} table may hold, in documentation order. */
    public static final List<String> KEYS = List.of("id", "app", "region", "country", "wg_ip", "port", "healthy",
            "weight", "soft_limit", "hard_limit");
    private static final List<String> REQUIRED = List.of("id", "app", "region", "country", "wg_ip", "port");

    private BackendsSection() {
    }

    /**
     * @param root the parsed file
     * @return the backends in file order; empty when the file has no {@code [[backends]]}
     * @throws ConfigException naming file, line, backend and key at the first invalid value
     */
    public static List<Backend> read(TomlTable root) {
        JsonNode section = root.get(NAME);
        if (section == null) {
            return List.of();
        }
        if (!TomlTable.typeName(section).equals("array of tables")) {
            throw root.error(NAME, NAME + " must be one [[" + NAME + "]] table per backend, but was "
                    + TomlTable.aTypeName(section) + (section.isObject() ? " ([" + NAME + "])" : ""));
        }
        List<TomlTable> tables = root.tables(NAME);
        List<Backend> backends = new ArrayList<>(tables.size());
        Map<String, Integer> firstById = new HashMap<>();
        for (int i = 0; i < tables.size(); i++) {
            TomlTable table = tables.get(i);
            Backend backend = readOne(table, i + 1);
            Integer first = firstById.putIfAbsent(backend.id(), i + 1);
            if (first != null) {
                throw table.error("id", name(i + 1, table) + ": duplicate id " + TomlTable.quote(backend.id())
                        + ", already used by [[" + NAME + "]] #" + first + " (line " + tables.get(first - 1).line() + ")");
            }
            backends.add(backend);
        }
        return List.copyOf(backends);
    }

    private static Backend readOne(TomlTable table, int number) {
        TableReader r = new TableReader(table, name(number, table));
        r.requireKnownKeys(KEYS);
        r.requireKeys(REQUIRED);
        String id = r.text("id");
        String app = r.text("app");

        RegionCode region;
        String regionText = r.text("region");
        try {
            region = RegionCode.of(regionText);
        } catch (IllegalArgumentException e) {
            throw r.error("region", e.getMessage());
        }

        String country = r.country("country");

        String address = r.text("wg_ip");
        if (!IpLiteral.isLiteral(address)) {
            throw r.error("wg_ip", "wg_ip must be an IPv4 or IPv6 address (host names are not resolved), but was "
                    + TomlTable.quote(address));
        }

        int port = r.integer("port", 1, 65535);
        boolean healthy = r.flag("healthy", true);
        int weight = r.integer("weight", Backend.DEFAULT_WEIGHT, 0, Integer.MAX_VALUE);
        int softLimit = r.integer("soft_limit", Backend.DEFAULT_SOFT_LIMIT, 0, Integer.MAX_VALUE);
        int hardLimit = r.integer("hard_limit", Backend.DEFAULT_HARD_LIMIT, 1, Integer.MAX_VALUE);
        if (softLimit > hardLimit) {
            throw r.error(table.has("soft_limit") ? "soft_limit" : "hard_limit", "soft_limit (" + softLimit
                    + ") must be <= hard_limit (" + hardLimit + ")"
                    + (table.has("soft_limit") && table.has("hard_limit") ? ""
                    : "; the default is soft_limit " + Backend.DEFAULT_SOFT_LIMIT + ", hard_limit "
                    + Backend.DEFAULT_HARD_LIMIT));
        }
        try {
            return Backend.builder(id).app(app).region(region).country(country).address(address).port(port)
                    .healthy(healthy).weight(weight).softLimit(softLimit).hardLimit(hardLimit).build();
        } catch (IllegalArgumentException e) {
            // Every rule of Backend is checked above with the file's key names; this is a safety net.
            throw new ConfigException(table.source(), table.line(), name(number, table) + ": " + e.getMessage());
        }
    }

    /** {@code [[backends]] #2 (id "sa-2")}, or without the id when it is missing or not a string. */
    private static String name(int number, TomlTable table) {
        JsonNode id = table.get("id");
        return "[[" + NAME + "]] #" + number + (id != null && id.isString() && !id.stringValue().isBlank()
                ? " (id " + TomlTable.quote(id.stringValue()) + ")" : "");
    }
}
