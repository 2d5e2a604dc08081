package io.edgeproxy.infrastructure.config.internal;

import io.edgeproxy.infrastructure.config.ConfigException;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * One table of a parsed TOML document: its values (Jackson nodes) and the line each key was set
 * on, so that whoever interprets the tree can point at the exact line of a bad value.
 *
 * <p>Values are Jackson {@link JsonNode}s: strings, integers (64-bit; larger ones are big
 * integers, refused by every integer read), floats, booleans, dates and times (POJO nodes holding
 * {@code java.time} values), arrays, and tables. {@link #table(String)} and {@link #tables(String)}
 * wrap sub-tables and arrays of tables with their own lines. Immutable.
 */
public final class TomlTable {

    private final String source;
    private final String path;
    private final JsonNode node;
    private final KeyLines lines;

    TomlTable(String source, String path, JsonNode node, KeyLines lines) {
        this.source = source;
        this.path = path;
        this.node = node;
        this.lines = lines;
    }

    /** @return the file name the table was parsed from */
    public String source() {
        return source;
    }

    /** @return the line of the table's header (or of the key that created it); 0 for the top level */
    public int line() {
        return path.isEmpty() ? 0 : lines.lineOf(path);
    }

    /** @return the keys, in file order */
    public List<String> keys() {
        return List.copyOf(node.propertyNames());
    }

    public boolean has(String key) {
        return node.has(key);
    }

    /** @return the value of {@code key}, or null when absent */
    public JsonNode get(String key) {
        return node.get(key);
    }

    /** @return the sub-table at {@code key}; the value must be a table ({@code get(key).isObject()}) */
    public TomlTable table(String key) {
        return new TomlTable(source, child(key), node.get(key), lines);
    }

    /** @return the tables of the array of tables at {@code key}, in file order; each element must be a table */
    public List<TomlTable> tables(String key) {
        JsonNode array = node.get(key);
        List<TomlTable> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            out.add(new TomlTable(source, child(key) + KeyLines.SEP + "[" + i + "]", array.get(i), lines));
        }
        return out;
    }

    /** @return the line {@code key} was set on, or the table's own line when the key is absent */
    public int lineOf(String key) {
        int line = lines.lineOf(child(key));
        return line > 0 ? line : line();
    }

    /** @return an error at the line of {@code key} (the table's line when absent) */
    public ConfigException error(String key, String reason) {
        return new ConfigException(source, lineOf(key), reason);
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + KeyLines.SEP + key;
    }

    /** @return the TOML type of a value as an operator reads it: "string", "integer", "array of tables", ... */
    public static String typeName(JsonNode value) {
        if (value == null) {
            return "nothing";
        }
        if (value.isString()) {
            return "string";
        }
        if (value.isIntegralNumber()) {
            return "integer";
        }
        if (value.isNumber()) {
            return "float";
        }
        if (value.isBoolean()) {
            return "boolean";
        }
        if (value.isObject()) {
            return "table";
        }
        if (value.isArray()) {
            return value.size() > 0 && value.values().stream().allMatch(JsonNode::isObject) ? "array of tables" : "array";
        }
        return "date-time";
    }

    /** @return the type name with its article: "a string", "an integer", "an array of tables", ... */
    public static String aTypeName(JsonNode value) {
        String type = typeName(value);
        return (type.startsWith("a") || type.startsWith("i") ? "an " : "a ") + type;
    }

    /** @return the value as written in TOML, for "but was ..." messages: strings quoted, tables by kind */
    public static String describe(JsonNode value) {
        if (value == null) {
            return "nothing";
        }
        if (value.isString()) {
            return quote(value.stringValue());
        }
        if (value.isObject()) {
            return aTypeName(value);
        }
        if (value.isArray()) {
            if (typeName(value).equals("array of tables")) {
                return aTypeName(value);
            }
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < value.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(describe(value.get(i)));
            }
            return sb.append(']').toString();
        }
        if (value.isPojo()) {
            return value.toString().replace("\"", "");
        }
        return value.toString();
    }

    /** @return {@code s} in double quotes, with quotes, backslashes and control characters escaped */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04X", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    @Override
    public String toString() {
        return "TomlTable[" + (path.isEmpty() ? "top level" : KeyLines.display(path)) + " " + node + "]";
    }
}
