package io.edgeproxy.infrastructure.config.internal;

import io.edgeproxy.infrastructure.config.ConfigException;
import io.edgeproxy.infrastructure.config.internal.TomlTable.Origin;
import io.edgeproxy.infrastructure.config.internal.TomlTable.TableArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A small TOML reader, enough for configuration files and nothing more; it depends on nothing.
 * It turns a document into a tree of {@link TomlTable}s and reports the first error as a
 * {@link ConfigException} carrying the file name, the line and the reason, for example
 * {@code backends.toml:7: expected '=' after key "port"}.
 *
 * <p>Supported (as TOML 1.0 defines them):
 * <ul>
 *   <li>comments ({@code # ...}) on their own line or after a value; LF or CRLF line ends; a UTF-8
 *       byte order mark;</li>
 *   <li>bare keys ({@code A-Za-z0-9_-}), quoted keys ({@code "a b"}, {@code 'a b'}) and dotted
 *       keys ({@code a.b = 1}, creating the table {@code a});</li>
 *   <li>basic strings {@code "..."} with the escapes {@code \b \t \n \f \r \" \\ \}{@code uXXXX
 *       \}{@code UXXXXXXXX}, and literal strings {@code '...'} (no escapes: handy for Windows
 *       paths and regular expressions);</li>
 *   <li>integers: decimal with an optional sign and {@code _} between digits ({@code 1_000}),
 *       {@code 0x}, {@code 0o} and {@code 0b} forms; 64-bit, out of range is an error;</li>
 *   <li>floats ({@code 1.5}, {@code 1e6}, {@code -2.5E-3}, {@code inf}, {@code nan});</li>
 *   <li>booleans {@code true} and {@code false};</li>
 *   <li>arrays of those scalars, over several lines, with comments and a trailing comma;</li>
 *   <li>{@code [table]} and {@code [[array.of.tables]]} headers, dotted and quoted.</li>
 * </ul>
 * Not supported, each refused with an error that says so: multi-line strings ({@code """},
 * {@code '''}), inline tables ({@code {a = 1}}), arrays of arrays or of tables written inline,
 * and dates and times. Redefining a key or a table is an error, as in TOML.
 *
 * <p>One parser per document; the static methods are thread-safe.
 */
public final class TomlParser {

    private static final Pattern DECIMAL = Pattern.compile("[+-]?(0|[1-9](_?[0-9])*)");
    private static final Pattern FLOAT = Pattern.compile(
            "[+-]?(0|[1-9](_?[0-9])*)(\\.[0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?");
    private static final Pattern HEX = Pattern.compile("0x[0-9A-Fa-f](_?[0-9A-Fa-f])*");
    private static final Pattern OCTAL = Pattern.compile("0o[0-7](_?[0-7])*");
    private static final Pattern BINARY = Pattern.compile("0b[01](_?[01])*");
    private static final Pattern DATE_OR_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}.*|\\d{2}:\\d{2}.*");

    private final String source;
    private final String text;
    private final TomlTable root;
    private TomlTable current;
    private int pos;
    private int line = 1;

    private TomlParser(String source, String text) {
        this.source = source;
        this.text = text;
        this.root = new TomlTable(source, "", 0, Origin.ROOT);
        this.current = root;
    }

    /**
     * Reads and parses a UTF-8 file. Errors name the file as {@code file} was given.
     *
     * @throws ConfigException when the file cannot be read, is not UTF-8, or is not valid TOML
     */
    public static TomlTable parse(Path file) {
        String name = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name, "cannot read the file: it does not exist", e);
        } catch (IOException e) {
            throw new ConfigException(name, "cannot read the file: " + e, e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(name, "is not UTF-8 text", e);
        }
        return parse(name, text);
    }

    /**
     * @param source the name errors carry (a file name)
     * @param text   the document
     * @return the top-level table
     * @throws ConfigException at the first error
     */
    public static TomlTable parse(String source, String text) {
        return new TomlParser(source, text).document();
    }

    private TomlTable document() {
        if (text.startsWith("\uFEFF")) {
            pos = 1;
        }
        while (true) {
            skipBlanks();
            if (eof()) {
                return root;
            }
            char c = peek();
            String after;
            if (c == '#' || c == '\n' || c == '\r') {
                after = null;
            } else if (c == '[') {
                after = header();
            } else {
                after = keyValue();
            }
            endOfLine(after);
        }
    }

    // ---- structure -------------------------------------------------------------------------

    /** {@code [a.b]} or {@code [[a.b]]}. @return what the line held, for the end-of-line error */
    private String header() {
        int at = line;
        pos++;
        boolean array = !eof() && peek() == '[';
        if (array) {
            pos++;
        }
        skipBlanks();
        List<String> keys = keyPath(array ? "[[" : "[");
        skipBlanks();
        String shown = (array ? "[[" : "[") + joinKeys(keys) + (array ? "]]" : "]");
        if (eof() || peek() != ']' || (array && (pos + 1 >= text.length() || text.charAt(pos + 1) != ']'))) {
            throw error(at, "expected '" + (array ? "]]" : "]") + "' to close the table header "
                    + shown.substring(0, shown.length() - (array ? 2 : 1)) + ", found " + found());
        }
        pos += array ? 2 : 1;

        TomlTable table = root;
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < keys.size() - 1; i++) {
            String key = keys.get(i);
            appendPath(path, key);
            Object existing = table.get(key);
            if (existing == null) {
                TomlTable implicit = new TomlTable(source, path.toString(), at, Origin.IMPLICIT);
                table.put(key, implicit, at);
                table = implicit;
            } else if (existing instanceof TomlTable t) {
                table = t;
            } else if (existing instanceof TableArray tables) {
                table = tables.last();
                path.append('[').append(tables.size() - 1).append(']');
            } else {
                throw error(at, "cannot define " + shown + ": " + joinKeys(keys.subList(0, i + 1)) + " is already "
                        + TomlTable.aTypeName(existing) + " (set on line " + table.lineOf(key) + ")");
            }
        }
        String last = keys.get(keys.size() - 1);
        appendPath(path, last);
        Object existing = table.get(last);
        if (array) {
            TableArray tables;
            if (existing == null) {
                tables = new TableArray();
                table.put(last, tables, at);
            } else if (existing instanceof TableArray t) {
                tables = t;
            } else {
                throw error(at, "cannot define " + shown + ": " + joinKeys(keys) + " is already "
                        + TomlTable.aTypeName(existing) + " (set on line " + table.lineOf(last) + ")");
            }
            TomlTable element = new TomlTable(source, path + "[" + tables.size() + "]", at, Origin.ARRAY_ELEMENT);
            tables.append(element);
            current = element;
        } else if (existing == null) {
            TomlTable t = new TomlTable(source, path.toString(), at, Origin.HEADER);
            table.put(last, t, at);
            current = t;
        } else if (existing instanceof TomlTable t && t.origin == Origin.IMPLICIT) {
            t.origin = Origin.HEADER;
            current = t;
        } else if (existing instanceof TomlTable t && t.origin == Origin.DOTTED) {
            throw error(at, "table " + shown + " was already defined by dotted keys on line " + t.line());
        } else if (existing instanceof TomlTable t) {
            throw error(at, "table " + shown + " is defined twice (first on line " + t.line() + ")");
        } else {
            throw error(at, "cannot define " + shown + ": " + joinKeys(keys) + " is already "
                    + TomlTable.aTypeName(existing) + " (set on line " + table.lineOf(last) + ")");
        }
        return "the table header " + shown;
    }

    /** {@code key = value}, the key possibly dotted. @return what the line held */
    private String keyValue() {
        int at = line;
        List<String> keys = keyPath("");
        String shown = displayKey(keys);
        skipBlanks();
        if (eof() || peek() != '=') {
            throw error(at, "expected '=' after key " + shown + ", found " + found());
        }
        pos++;
        skipBlanks();
        Object value = value(shown);

        TomlTable table = current;
        for (int i = 0; i < keys.size() - 1; i++) {
            String key = keys.get(i);
            Object existing = table.get(key);
            if (existing == null) {
                String path = table.path().isEmpty() ? key : table.path() + "." + key;
                TomlTable dotted = new TomlTable(source, path, at, Origin.DOTTED);
                table.put(key, dotted, at);
                table = dotted;
            } else if (existing instanceof TomlTable t && t.origin == Origin.DOTTED) {
                table = t;
            } else {
                throw error(at, "cannot set key " + shown + ": " + displayKey(keys.subList(0, i + 1))
                        + " is already " + TomlTable.aTypeName(existing) + " (set on line " + table.lineOf(key)
                        + ") that dotted keys cannot extend");
            }
        }
        String last = keys.get(keys.size() - 1);
        if (table.has(last)) {
            throw error(at, "duplicate key " + shown + " (first set on line " + table.lineOf(last) + ")");
        }
        table.put(last, value, at);
        return "the value of key " + shown;
    }

    private List<String> keyPath(String context) {
        List<String> keys = new ArrayList<>(2);
        keys.add(key(context));
        while (true) {
            skipBlanks();
            if (eof() || peek() != '.') {
                return keys;
            }
            pos++;
            skipBlanks();
            keys.add(key(context));
        }
    }

    private String key(String context) {
        if (eof()) {
            throw error(line, "expected a key" + (context.isEmpty() ? "" : " after '" + context + "'")
                    + ", found the end of the file");
        }
        char c = peek();
        if (c == '"') {
            if (text.startsWith("\"\"\"", pos)) {
                throw error(line, "a key cannot be a multi-line string");
            }
            return basicString();
        }
        if (c == '\'') {
            return literalString();
        }
        int start = pos;
        while (!eof() && isBareKeyChar(peek())) {
            pos++;
        }
        if (pos == start) {
            throw error(line, "expected a key" + (context.isEmpty() ? "" : " after '" + context + "'")
                    + ", found " + found()
                    + " (bare keys hold only letters, digits, '_' and '-'; quote any other key)");
        }
        return text.substring(start, pos);
    }

    private static boolean isBareKeyChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    // ---- values ------------------------------------------------------------------------------

    private Object value(String key) {
        if (eof() || peek() == '\n' || peek() == '\r' || peek() == '#') {
            throw error(line, "missing value after '=' for key " + key);
        }
        char c = peek();
        switch (c) {
            case '"':
                if (text.startsWith("\"\"\"", pos)) {
                    throw error(line, "multi-line strings (\"\"\") are not supported (key " + key + ")");
                }
                return basicString();
            case '\'':
                if (text.startsWith("'''", pos)) {
                    throw error(line, "multi-line strings (''') are not supported (key " + key + ")");
                }
                return literalString();
            case '[':
                return array(key);
            case '{':
                throw error(line, "inline tables ({...}) are not supported (key " + key
                        + "); write a [table] or [[array of tables]] header instead");
            default:
                return scalar(key);
        }
    }

    private Object scalar(String key) {
        int start = pos;
        while (!eof() && isTokenChar(peek())) {
            pos++;
        }
        String token = text.substring(start, pos);
        if (token.isEmpty()) {
            throw error(line, "expected a value for key " + key + ", found " + found());
        }
        switch (token) {
            case "true":
                return Boolean.TRUE;
            case "false":
                return Boolean.FALSE;
            case "inf":
            case "+inf":
                return Double.POSITIVE_INFINITY;
            case "-inf":
                return Double.NEGATIVE_INFINITY;
            case "nan":
            case "+nan":
            case "-nan":
                return Double.NaN;
            default:
                break;
        }
        if (DECIMAL.matcher(token).matches()) {
            return integer(token, token.replace("_", ""), 10, key);
        }
        if (HEX.matcher(token).matches()) {
            return integer(token, token.substring(2).replace("_", ""), 16, key);
        }
        if (OCTAL.matcher(token).matches()) {
            return integer(token, token.substring(2).replace("_", ""), 8, key);
        }
        if (BINARY.matcher(token).matches()) {
            return integer(token, token.substring(2).replace("_", ""), 2, key);
        }
        if (FLOAT.matcher(token).matches()) {
            // DECIMAL did not match, so a fraction or an exponent is there.
            return Double.valueOf(token.replace("_", ""));
        }
        if (DATE_OR_TIME.matcher(token).matches()) {
            throw error(line, "dates and times are not supported (key " + key + "); write it as a string");
        }
        char first = token.charAt(0);
        boolean numeric = (first >= '0' && first <= '9') || first == '+' || first == '-';
        if (numeric && token.indexOf('.') == token.lastIndexOf('.')) {
            throw error(line, "invalid number " + token + " for key " + key
                    + " (TOML numbers have no leading zeros, '_' only between digits, digits on both sides of '.')");
        }
        throw error(line, "expected a value for key " + key + ", found " + token
                + "; a string must be in quotes, as " + quote(token));
    }

    private Long integer(String token, String digits, int radix, String key) {
        try {
            return Long.parseLong(digits, radix);
        } catch (NumberFormatException e) {
            throw error(line, "integer " + token + " for key " + key + " does not fit in 64 bits");
        }
    }

    private static boolean isTokenChar(char c) {
        return isBareKeyChar(c) || c == '+' || c == '.' || c == ':';
    }

    private List<Object> array(String key) {
        int at = line;
        pos++;
        List<Object> items = new ArrayList<>();
        while (true) {
            skipBlanksCommentsAndNewlines();
            if (eof()) {
                throw error(at, "unterminated array for key " + key + " (missing ']')");
            }
            char c = peek();
            if (c == ']') {
                pos++;
                return List.copyOf(items);
            }
            if (c == '[') {
                throw error(line, "arrays of arrays are not supported (key " + key + ")");
            }
            if (c == '{') {
                throw error(line, "inline tables ({...}) are not supported (key " + key
                        + "); write [[" + unquote(key) + "]] tables instead");
            }
            if (c == ',') {
                throw error(line, "expected a value in the array for key " + key + ", found ','");
            }
            items.add(value(key));
            skipBlanksCommentsAndNewlines();
            if (eof()) {
                throw error(at, "unterminated array for key " + key + " (missing ']')");
            }
            c = peek();
            if (c == ',') {
                pos++;
            } else if (c != ']') {
                throw error(line, "expected ',' or ']' in the array for key " + key + ", found " + found());
            }
        }
    }

    private String basicString() {
        int at = line;
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (eof()) {
                throw error(at, "unterminated string (missing closing '\"')");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c == '\n' || c == '\r') {
                throw error(at, "unterminated string (missing closing '\"' before the end of the line)");
            }
            if (c == '\\') {
                escape(sb);
                continue;
            }
            checkControl(c);
            sb.append(c);
            pos++;
        }
    }

    private void escape(StringBuilder sb) {
        if (pos + 1 >= text.length()) {
            throw error(line, "unterminated string (missing closing '\"')");
        }
        char e = text.charAt(pos + 1);
        pos += 2;
        switch (e) {
            case 'b' -> sb.append('\b');
            case 't' -> sb.append('\t');
            case 'n' -> sb.append('\n');
            case 'f' -> sb.append('\f');
            case 'r' -> sb.append('\r');
            case '"' -> sb.append('"');
            case '\\' -> sb.append('\\');
            case 'u' -> sb.appendCodePoint(unicode(4));
            case 'U' -> sb.appendCodePoint(unicode(8));
            default -> throw error(line, "invalid escape \\" + printable(e) + " in a string (write \\\\ for a"
                    + " backslash, or use a 'literal string' where backslashes are plain characters)");
        }
    }

    private int unicode(int digits) {
        if (pos + digits > text.length()) {
            throw error(line, "a \\" + (digits == 4 ? "u" : "U") + " escape needs " + digits + " hex digits");
        }
        String hex = text.substring(pos, pos + digits);
        int cp;
        try {
            cp = (int) Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
            throw error(line, "a \\" + (digits == 4 ? "u" : "U") + " escape needs " + digits
                    + " hex digits, but was \"" + hex + "\"");
        }
        if (hex.charAt(0) == '+' || hex.charAt(0) == '-' || cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            throw error(line, "escape \\" + (digits == 4 ? "u" : "U") + hex + " is not a Unicode scalar value");
        }
        pos += digits;
        return cp;
    }

    private String literalString() {
        int at = line;
        pos++;
        int start = pos;
        while (true) {
            if (eof()) {
                throw error(at, "unterminated string (missing closing \"'\")");
            }
            char c = text.charAt(pos);
            if (c == '\'') {
                String s = text.substring(start, pos);
                pos++;
                return s;
            }
            if (c == '\n' || c == '\r') {
                throw error(at, "unterminated string (missing closing \"'\" before the end of the line)");
            }
            checkControl(c);
            pos++;
        }
    }

    private void checkControl(char c) {
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            throw error(line, "control character " + printable(c) + " must be escaped in a string");
        }
    }

    // ---- lexing helpers ----------------------------------------------------------------------

    private void endOfLine(String after) {
        skipBlanks();
        if (!eof() && peek() == '#') {
            skipComment();
        }
        if (eof()) {
            return;
        }
        char c = peek();
        if (c == '\n') {
            pos++;
            line++;
            return;
        }
        if (c == '\r' && pos + 1 < text.length() && text.charAt(pos + 1) == '\n') {
            pos += 2;
            line++;
            return;
        }
        if (c == '\r') {
            throw error(line, "a carriage return must be followed by a line feed");
        }
        throw error(line, "expected the end of the line after " + after + ", found " + found());
    }

    private void skipBlanks() {
        while (!eof() && (peek() == ' ' || peek() == '\t')) {
            pos++;
        }
    }

    private void skipComment() {
        while (!eof() && peek() != '\n' && peek() != '\r') {
            pos++;
        }
    }

    private void skipBlanksCommentsAndNewlines() {
        while (!eof()) {
            char c = peek();
            if (c == ' ' || c == '\t') {
                pos++;
            } else if (c == '#') {
                skipComment();
            } else if (c == '\n') {
                pos++;
                line++;
            } else if (c == '\r' && pos + 1 < text.length() && text.charAt(pos + 1) == '\n') {
                pos += 2;
                line++;
            } else {
                return;
            }
        }
    }

    private boolean eof() {
        return pos >= text.length();
    }

    private char peek() {
        return text.charAt(pos);
    }

    private String found() {
        if (eof()) {
            return "the end of the file";
        }
        char c = peek();
        if (c == '\n' || c == '\r') {
            return "the end of the line";
        }
        return "'" + printable(c) + "'";
    }

    private static String printable(char c) {
        return c < 0x20 || c == 0x7f ? String.format("U+%04X", (int) c) : String.valueOf(c);
    }

    private ConfigException error(int atLine, String reason) {
        return new ConfigException(source, atLine, reason);
    }

    private static void appendPath(StringBuilder path, String key) {
        if (path.length() > 0) {
            path.append('.');
        }
        path.append(key);
    }

    private static String joinKeys(List<String> keys) {
        StringBuilder sb = new StringBuilder();
        for (String k : keys) {
            if (sb.length() > 0) {
                sb.append('.');
            }
            boolean bare = !k.isEmpty() && k.chars().allMatch(ch -> isBareKeyChar((char) ch));
            sb.append(bare ? k : quote(k));
        }
        return sb.toString();
    }

    /** {@code "port"}, {@code "a.b"}; a key that needed quotes in the file is shown as it was written. */
    private static String displayKey(List<String> keys) {
        String joined = joinKeys(keys);
        return joined.indexOf('"') >= 0 ? joined : "\"" + joined + "\"";
    }

    private static String unquote(String quoted) {
        return quoted.length() >= 2 && quoted.startsWith("\"") ? quoted.substring(1, quoted.length() - 1) : quoted;
    }

    /** @return {@code s} as a TOML basic string, quotes included */
    static String quote(String s) {
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
}
