package io.edgeproxy.infrastructure.config.internal;

import io.edgeproxy.infrastructure.config.ConfigException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One table of a parsed TOML document: keys in file order, each with its value and the line it was
 * set on, so that whoever interprets the tree can point at the exact line of a bad value.
 *
 * <p>Values are {@link String}, {@link Long} (integers), {@link Double} (floats), {@link Boolean},
 * {@code List<Object>} (arrays of those scalars), {@link TomlTable} ({@code [table]} or dotted keys)
 * and {@code List<TomlTable>} ({@code [[array.of.tables]]}); {@link #typeName(Object)} names them
 * for error messages. Read-only once {@link TomlParser} returns it.
 */
public final class TomlTable {

    private final String source;
    private final String path;
    private final int line;
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<String, Integer> lines = new HashMap<>();

    /** How the table came to exist; TOML forbids defining the same table twice. */
    enum Origin { ROOT, IMPLICIT, HEADER, DOTTED, ARRAY_ELEMENT }

    Origin origin;

    TomlTable(String source, String path, int line, Origin origin) {
        this.source = source;
        this.path = path;
        this.line = line;
        this.origin = origin;
    }

    /** @return the file name the table was parsed from */
    public String source() {
        return source;
    }

    /** @return the table's key path: empty for the top level, {@code rate_limit}, {@code backends[0]} */
    public String path() {
        return path;
    }

    /** @return the line of the table's header (or first dotted key); 0 for the top level */
    public int line() {
        return line;
    }

    /** @return the keys, in file order */
    public Set<String> keys() {
        return Collections.unmodifiableSet(values.keySet());
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** @return the value of {@code key} (see the class comment for its type), or null when absent */
    public Object get(String key) {
        return values.get(key);
    }

    /** @return the line {@code key} was set on, or the table's own line when the key is absent */
    public int lineOf(String key) {
        return lines.getOrDefault(key, line);
    }

    /** @return an error at the line of {@code key} (the table's line when absent) */
    public ConfigException error(String key, String reason) {
        return new ConfigException(source, lineOf(key), reason);
    }

    /** @return the TOML type of a value as an operator reads it: "string", "integer", "array of tables", ... */
    public static String typeName(Object value) {
        if (value instanceof String) {
            return "string";
        }
        if (value instanceof Long) {
            return "integer";
        }
        if (value instanceof Double) {
            return "float";
        }
        if (value instanceof Boolean) {
            return "boolean";
        }
        if (value instanceof TomlTable) {
            return "table";
        }
        if (value instanceof TableArray) {
            return "array of tables";
        }
        if (value instanceof List) {
            return "array";
        }
        return String.valueOf(value);
    }

    /** @return the type name with its article: "a string", "an integer", "an array of tables", ... */
    public static String aTypeName(Object value) {
        String type = typeName(value);
        return (type.startsWith("a") || type.startsWith("i") ? "an " : "a ") + type;
    }

    /** @return the value as written in TOML, for "but was ..." messages: strings quoted, tables by kind */
    public static String describe(Object value) {
        if (value instanceof String s) {
            return TomlParser.quote(s);
        }
        if (value instanceof TomlTable || value instanceof TableArray) {
            return aTypeName(value);
        }
        if (value instanceof List<?> list) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < list.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(describe(list.get(i)));
            }
            return sb.append(']').toString();
        }
        return String.valueOf(value);
    }

    void put(String key, Object value, int atLine) {
        values.put(key, value);
        lines.put(key, atLine);
    }

    @Override
    public String toString() {
        return "TomlTable[" + (path.isEmpty() ? "top level" : path) + " " + values + "]";
    }

    /**
     * The tables of one {@code [[name]]} key. A {@code List<TomlTable>} to readers; a distinct type
     * so that {@code [[name]]} never appends to an ordinary array.
     */
    static final class TableArray extends java.util.AbstractList<TomlTable> {
        private final List<TomlTable> tables = new ArrayList<>();

        void append(TomlTable table) {
            tables.add(table);
        }

        TomlTable last() {
            return tables.get(tables.size() - 1);
        }

        @Override
        public TomlTable get(int index) {
            return tables.get(index);
        }

        @Override
        public int size() {
            return tables.size();
        }
    }
}
