package io.edgeproxy.infrastructure.config.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each key and table of a TOML document was first set, by line: the part of a parse that a
 * tree of values does not keep. Jackson checks the syntax and builds the values; this scanner only
 * follows the structure (headers, {@code key =} lines, dotted keys, arrays of tables, multi-line
 * strings to skip) so that a value found invalid afterwards is reported at its own line.
 *
 * <p>How it works: each line is either inside a multi-line string (skipped), a table header
 * ({@code [a.b]}, {@code [[a]]}, which sets the current table), a {@code key = value} line (whose
 * full path is recorded), or anything else (ignored: blank, comment, continuation of an array). A
 * path is the key segments joined by {@link #SEP}, with {@code [i]} segments for the elements of an
 * array of tables. Keys inside an inline table are not recorded: {@link #lineOf} falls back to the
 * nearest recorded ancestor, the line of the inline table itself.
 *
 * <p>Only for documents Jackson accepted, or to describe where Jackson stopped; never a validator.
 * Immutable once scanned.
 */
final class KeyLines {

    /** Separates the segments of a path; a character no TOML key can hold unescaped. */
    static final String SEP = "\u0000";

    private final Map<String, Integer> firstLine = new HashMap<>();
    private final Map<Integer, String> pathAtLine = new HashMap<>();
    private final Map<Integer, String> keyTextAtLine = new HashMap<>();
    private final Map<Integer, Integer> keyEndAtLine = new HashMap<>();
    private final Map<String, Integer> arraySizes = new HashMap<>();

    private KeyLines() {
    }

    static KeyLines scan(String text) {
        KeyLines k = new KeyLines();
        String[] lines = text.split("\r?\n|\r", -1);
        String table = "";
        String openString = null;
        for (int i = 0; i < lines.length; i++) {
            int number = i + 1;
            String line = i == 0 && lines[0].startsWith("\uFEFF") ? lines[0].substring(1) : lines[i];
            if (openString != null) {
                if (line.contains(openString)) {
                    openString = null;
                }
                continue;
            }
            int p = skipSpaces(line, 0);
            if (p >= line.length() || line.charAt(p) == '#') {
                continue;
            }
            if (line.charAt(p) == '[') {
                boolean array = p + 1 < line.length() && line.charAt(p + 1) == '[';
                List<String> segments = new ArrayList<>();
                if (parseKey(line, p + (array ? 2 : 1), segments) < 0) {
                    continue;
                }
                table = k.header(segments, array, number);
                continue;
            }
            List<String> segments = new ArrayList<>();
            int end = parseKey(line, p, segments);
            if (end < 0) {
                continue;
            }
            int eq = skipSpaces(line, end);
            k.keyTextAtLine.put(number, String.join(".", segments));
            k.keyEndAtLine.put(number, end);
            if (eq >= line.length() || line.charAt(eq) != '=') {
                continue;
            }
            String path = table;
            for (String s : segments) {
                path = path.isEmpty() ? s : path + SEP + s;
                k.firstLine.putIfAbsent(path, number);
            }
            k.pathAtLine.put(number, path);
            openString = openedMultiLineString(line, skipSpaces(line, eq + 1));
        }
        return k;
    }

    /** Records a header; subtables of an array of tables belong to its last element. @return the table's path */
    private String header(List<String> segments, boolean array, int number) {
        String path = "";
        for (int s = 0; s < segments.size(); s++) {
            path = path.isEmpty() ? segments.get(s) : path + SEP + segments.get(s);
            boolean last = s == segments.size() - 1;
            Integer size = arraySizes.get(path);
            if (last && array) {
                int index = arraySizes.merge(path, 1, Integer::sum) - 1;
                firstLine.putIfAbsent(path, number);
                path = path + SEP + "[" + index + "]";
            } else if (size != null) {
                path = path + SEP + "[" + (size - 1) + "]";
            }
        }
        firstLine.putIfAbsent(path, number);
        pathAtLine.put(number, path);
        return path;
    }

    /** @return the line {@code path} was first set on, else that of its nearest recorded ancestor; 0 for none */
    int lineOf(String path) {
        String p = path;
        while (!p.isEmpty()) {
            Integer line = firstLine.get(p);
            if (line != null) {
                return line;
            }
            int cut = p.lastIndexOf(SEP);
            p = cut < 0 ? "" : p.substring(0, cut);
        }
        return 0;
    }

    /** @return the path of the header or key set on {@code line}, or null */
    String pathAt(int line) {
        return pathAtLine.get(line);
    }

    /** @return the key that {@code line} starts with, dotted as written ({@code a.b}), or null */
    String keyAt(int line) {
        return keyTextAtLine.get(line);
    }

    /** @return the column (0-based) just after the key {@code line} starts with, or -1 */
    int keyEnd(int line) {
        return keyEndAtLine.getOrDefault(line, -1);
    }

    /** @return a path as an operator reads it: {@code backends[1].port} */
    static String display(String path) {
        return path.replace(SEP + "[", "[").replace(SEP, ".");
    }

    /**
     * Reads a possibly dotted, possibly quoted key starting at {@code from} into {@code segments}.
     *
     * @return the index after the key, or -1 when there is no key there
     */
    static int parseKey(String line, int from, List<String> segments) {
        int p = skipSpaces(line, from);
        while (true) {
            if (p >= line.length()) {
                return -1;
            }
            char c = line.charAt(p);
            int end;
            if (c == '"' || c == '\'') {
                end = line.indexOf(c, p + 1);
                while (c == '"' && end > 0 && line.charAt(end - 1) == '\\') {
                    end = line.indexOf(c, end + 1);
                }
                if (end < 0) {
                    return -1;
                }
                segments.add(line.substring(p + 1, end));
                end++;
            } else {
                end = p;
                while (end < line.length() && isBare(line.charAt(end))) {
                    end++;
                }
                if (end == p) {
                    return -1;
                }
                segments.add(line.substring(p, end));
            }
            p = skipSpaces(line, end);
            if (p >= line.length() || line.charAt(p) != '.') {
                return end;
            }
            p = skipSpaces(line, p + 1);
        }
    }

    /** @return the delimiter of a multi-line string opened and not closed on this line, or null */
    private static String openedMultiLineString(String line, int valueStart) {
        for (String delimiter : new String[] {"\"\"\"", "'''"}) {
            if (line.startsWith(delimiter, valueStart)
                    && line.indexOf(delimiter, valueStart + 3) < 0) {
                return delimiter;
            }
        }
        return null;
    }

    static boolean isBare(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    private static int skipSpaces(String line, int from) {
        int p = from;
        while (p < line.length() && (line.charAt(p) == ' ' || line.charAt(p) == '\t')) {
            p++;
        }
        return p;
    }
}
