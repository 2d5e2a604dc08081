package io.edgeproxy.infrastructure.config.internal;

import io.edgeproxy.infrastructure.config.ConfigException;
import tools.jackson.databind.JsonNode;

import io.edgeproxy.domain.CountryRegions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Typed reads of one {@link TomlTable} for a section of the config file, each error carrying the
 * file, the line of the key, the table's name and the key:
 * {@code backends.toml:12: [[backends]] #2 (id "sa-2"): port must be an integer from 1 to 65535, but was 70000}.
 * One reader per table; not thread-safe.
 */
public final class TableReader {

    private final TomlTable table;
    private final String context;

    /**
     * @param table   the table to read
     * @param context how errors name the table, such as {@code [[backends]] #2} or {@code [rate_limit]}
     */
    public TableReader(TomlTable table, String context) {
        this.table = table;
        this.context = context;
    }

    /** Refuses any key not in {@code known}, listing the known ones. */
    public void requireKnownKeys(Collection<String> known) {
        for (String key : table.keys()) {
            if (!known.contains(key)) {
                throw error(key, "unknown key " + TomlTable.quote(key) + "; known keys: " + String.join(", ", known));
            }
        }
    }

    /** Refuses the table when any of {@code required} is absent, naming all that are. */
    public void requireKeys(Collection<String> required) {
        List<String> missing = new ArrayList<>();
        for (String key : required) {
            if (!table.has(key)) {
                missing.add(TomlTable.quote(key));
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigException(table.source(), table.line(), context + ": missing required key"
                    + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing));
        }
    }

    /** @return the string at {@code key}; it must be there and hold more than blanks */
    public String text(String key) {
        JsonNode v = table.get(key);
        if (v == null || !v.isString()) {
            throw error(key, key + " must be a string, but was " + describe(v, "string"));
        }
        String s = v.stringValue();
        if (s.isBlank()) {
            throw error(key, key + " must not be blank");
        }
        return s;
    }

    /** @return the integer at {@code key}, or {@code defaultValue} when absent; it must lie in {@code [min, max]} */
    public int integer(String key, int defaultValue, int min, int max) {
        if (!table.has(key)) {
            return defaultValue;
        }
        return integer(key, min, max);
    }

    /** @return the integer at {@code key}, which must lie in {@code [min, max]} */
    public int integer(String key, int min, int max) {
        JsonNode v = table.get(key);
        String rule = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer from " + min + " to " + max;
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min || v.longValue() > max) {
            throw error(key, key + " must be " + rule + ", but was " + describe(v, "integer"));
        }
        return (int) v.longValue();
    }

    /**
     * @return the ISO 3166-1 alpha-2 country at {@code key}, upper case: one of the built-in country
     *         table (the same table that gives a country its region), so {@code "ZZ"} is refused
     */
    public String country(String key) {
        String text = text(key);
        String country = text.trim().toUpperCase(java.util.Locale.ROOT);
        if (country.length() != 2 || country.chars().anyMatch(c -> c < 'A' || c > 'Z')) {
            throw error(key, key + " must be an ISO 3166-1 alpha-2 code such as \"BR\", but was " + TomlTable.quote(text));
        }
        if (CountryRegions.defaults().regionOf(country).isEmpty()) {
            throw error(key, key + " " + TomlTable.quote(text)
                    + " is not an ISO 3166-1 alpha-2 code with a region (see docs/geo-routing.md)");
        }
        return country;
    }

    /**
     * @return the whole number of seconds at {@code key} (1 to 2147483647, as the {@code _SECS}
     *         variables), or {@code defaultValue} when absent
     */
    public Duration seconds(String key, Duration defaultValue) {
        return table.has(key) ? Duration.ofSeconds(integer(key, 1, Integer.MAX_VALUE)) : defaultValue;
    }

    /** @return the string at {@code key}, or {@code defaultValue} when absent */
    public String text(String key, String defaultValue) {
        return table.has(key) ? text(key) : defaultValue;
    }

    /**
     * @return the flag at {@code key}, or {@code defaultValue} when absent; {@code true}/{@code false}
     *         or, as in an SQL INTEGER column, {@code 1}/{@code 0}
     */
    public boolean flag(String key, boolean defaultValue) {
        JsonNode v = table.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isIntegralNumber() && v.canConvertToLong() && (v.longValue() == 0 || v.longValue() == 1)) {
            return v.longValue() == 1;
        }
        throw error(key, key + " must be true, false, 1 or 0, but was " + describe(v, "integer"));
    }

    /** @return an error at the line of {@code key}, prefixed with the table's name */
    public ConfigException error(String key, String reason) {
        return table.error(key, context + ": " + reason);
    }

    /** The value as written, with its type when it is not the expected one: {@code "80" (a string)}. */
    private static String describe(JsonNode v, String expectedType) {
        if (v == null || v.isContainer()) {
            return TomlTable.aTypeName(v);
        }
        String literal = TomlTable.describe(v);
        return TomlTable.typeName(v).equals(expectedType) ? literal : literal + " (" + TomlTable.aTypeName(v) + ")";
    }
}
