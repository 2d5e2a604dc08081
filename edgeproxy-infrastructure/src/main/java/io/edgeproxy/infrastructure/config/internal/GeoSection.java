package io.edgeproxy.infrastructure.config.internal;

import io.edgeproxy.domain.port.GeoResolver;
import io.edgeproxy.infrastructure.geo.CidrGeoResolver;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Optional;

/**
 * Reads the optional {@code [[geo]]} tables of the config file into a {@link CidrGeoResolver}:
 * which client addresses are in which country (the country's region comes from the built-in
 * country table). Longest prefix wins.
 *
 * <pre>
 * [[geo]]
 * cidr = "203.0.113.0/24"   # required, IPv4 or IPv6 block
 * country = "BR"            # required, ISO 3166-1 alpha-2
 * </pre>
 *
 * Every error names the file and line, the table by position and the key.
 */
public final class GeoSection {

    /** The section's key at the top level of the file. */
    public static final String NAME = "geo";
    /** Every key a {@code [[geo]]} table may hold. */
    public static final List<String> KEYS = List.of("cidr", "country");

    private GeoSection() {
    }

    /**
     * @param root the parsed file
     * @return the resolver, or empty when the file has no {@code [[geo]]} table
     */
    public static Optional<GeoResolver> read(TomlTable root) {
        JsonNode section = root.get(NAME);
        if (section == null) {
            return Optional.empty();
        }
        if (!TomlTable.typeName(section).equals("array of tables")) {
            throw root.error(NAME, NAME + " must be one [[" + NAME + "]] table per address block, but was "
                    + TomlTable.aTypeName(section));
        }
        List<TomlTable> tables = root.tables(NAME);
        CidrGeoResolver.Builder builder = CidrGeoResolver.builder();
        for (int i = 0; i < tables.size(); i++) {
            TableReader r = new TableReader(tables.get(i), "[[" + NAME + "]] #" + (i + 1));
            r.requireKnownKeys(KEYS);
            r.requireKeys(KEYS);
            String cidr = r.text("cidr");
            String country = r.country("country");
            try {
                builder.add(cidr, country);
            } catch (IllegalArgumentException e) {
                throw r.error("cidr", e.getMessage());
            }
        }
        return Optional.of(builder.build());
    }
}
