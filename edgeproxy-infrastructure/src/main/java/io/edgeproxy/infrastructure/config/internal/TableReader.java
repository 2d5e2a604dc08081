package io.edgeproxy.infrastructure.config.internal;

import io.edgeproxy.infrastructure.config.ConfigException;

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
    private String context;

    /**
     * @param table   the table to read
     * @param context how errors name the table, such as {@code [[backends]] #2} or {@code [rate_limit]}
     */
    public TableReader(TomlTable table, String context) {
        this.table = table;
        this.context = context;
    }

    /** Changes how errors name the table, for example once its id is known. */
    public void context(String value) {
        this.context = value;
    }

    public TomlTable table() {
        return table;
    }

    /** Refuses any key not in {@code known}, listing the known ones. */
    public void requireKnownKeys(Collection<String> known) {
        for (String key : table.keys()) {
            if (!known.contains(key)) {
                throw error(key, "unknown key " + TomlParser.quote(key) + "; known keys: " + String.join(", ", known));
            }
        }
    }

    /** Refuses the table when any of {@code required} is absent, naming all that are. */
    public void requireKeys(Collection<String> required) {
        List<String> missing = new ArrayList<>();
        for (String key : required) {
            if (!table.has(key)) {
                missing.add(TomlParser.quote(key));
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigException(table.source(), table.line(), context + ": missing required key"
                    + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing));
        }
    }

    /** @return the string at {@code key}; it must be there and hold more than blanks */
    public String text(String key) {
        Object v = table.get(key);
        if (!(v instanceof String s)) {
            throw error(key, key + " must be a string, but was " + describe(v, String.class));
        }
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
        Object v = table.get(key);
        String rule = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer from " + min + " to " + max;
        if (!(v instanceof Long n) || n < min || n > max) {
            throw error(key, key + " must be " + rule + ", but was " + describe(v, Long.class));
        }
        return n.intValue();
    }

    /**
     * @return the flag at {@code key}, or {@code defaultValue} when absent; {@code true}/{@code false}
     *         or, as in an SQL INTEGER column, {@code 1}/{@code 0}
     */
    public boolean flag(String key, boolean defaultValue) {
        Object v = table.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Long n && (n == 0 || n == 1)) {
            return n == 1;
        }
        throw error(key, key + " must be true, false, 1 or 0, but was " + describe(v, Long.class));
    }

    /** @return an error at the line of {@code key}, prefixed with the table's name */
    public ConfigException error(String key, String reason) {
        return table.error(key, context + ": " + reason);
    }

    /** The value as written, with its type when it is not the expected one: {@code "80" (a string)}. */
    private static String describe(Object v, Class<?> expected) {
        if (v instanceof TomlTable || v instanceof TomlTable.TableArray) {
            return TomlTable.aTypeName(v);
        }
        String literal = TomlTable.describe(v);
        return expected.isInstance(v) ? literal : literal + " (" + TomlTable.aTypeName(v) + ")";
    }
}
