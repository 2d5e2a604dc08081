package io.edgeproxy.infrastructure.config.internal;

import io.edgeproxy.infrastructure.config.ConfigException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.dataformat.toml.TomlFactory;
import tools.jackson.dataformat.toml.TomlMapper;
import tools.jackson.dataformat.toml.TomlReadFeature;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Reads a TOML 1.0 document with Jackson ({@code jackson-dataformat-toml}) into a {@link TomlTable}
 * that also knows the line of every key ({@link KeyLines}), and turns every problem into a
 * {@link ConfigException} naming the file, the line and the key:
 * {@code backends.toml:7: expected '=' after key "port", found '8'}.
 *
 * <p>Everything TOML 1.0 has is accepted: comments, basic, literal and multi-line strings, dotted
 * and quoted keys, inline tables, arrays (also of arrays), {@code [table]} and
 * {@code [[array.of.tables]]} headers, integers in every base, floats, booleans, dates and times
 * (kept as {@code java.time} values, so that a date where a string belongs is reported as a date).
 * Redefining a key or a table is an error, as TOML requires. Thread-safe.
 */
public final class TomlReader {

    /** What a bare TOML value may look like: a number, a boolean, a date or time. */
    private static final Pattern LITERAL = Pattern.compile(
            "[+-]?[0-9_]+(\\.[0-9_]+)?([eE][+-]?[0-9_]+)?|0[xob][0-9A-Fa-f_]+|true|false|[+-]?(inf|nan)|\\d{4}-\\d{2}-\\d{2}.*|\\d{2}:\\d{2}.*");
    /**
     * The factory, not a {@code TomlMapper}: the TOML parser builds the document's tree itself, and
     * a mapper would load some 300 classes of data binding (serializers, deserializers,
     * introspection) that reading a tree never uses: 9 MiB of the standalone proxy's idle memory.
     */
    private static final TomlFactory FACTORY = new TomlFactory();
    /** What a mapper would pass the parser: here only that dates and times become java.time values. */
    private static final ObjectReadContext READ_CONTEXT = new ObjectReadContext.Base() {
        @Override
        public int getFormatReadFeatures(int defaults) {
            return defaults | TomlReadFeature.PARSE_JAVA_TIME.getMask();
        }
    };

    private TomlReader() {
    }

    /**
     * Reads and parses a UTF-8 file. Errors name the file as {@code file} was given, and a file
     * that cannot be read at all is described in plain words (missing, a directory, not
     * readable, not UTF-8).
     *
     * @param setting what named the file (such as {@code EDGEPROXY_CONFIG_PATH}), to open those
     *                plain-words messages with; null for none
     * @throws ConfigException when the file cannot be read, is not UTF-8, or is not valid TOML
     */
    public static TomlTable read(Path file, String setting) {
        String name = file.toString();
        String subject = setting == null ? name : setting + " " + name;
        if (Files.isDirectory(file)) {
            throw new ConfigException(subject + " is a directory, not a file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(subject + " does not exist");
        } catch (AccessDeniedException e) {
            throw new ConfigException(subject + " cannot be read: permission denied");
        } catch (IOException e) {
            throw new ConfigException(subject + " cannot be read: " + e.getMessage());
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(name, 0, "is not UTF-8 text");
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
        KeyLines lines = KeyLines.scan(text);
        JsonNode root;
        try {
            root = readTree(text.startsWith("\uFEFF") ? text.substring(1) : text);
        } catch (JacksonException e) {
            throw syntaxError(source, text, lines, e);
        }
        return new TomlTable(source, "", root == null || root.isMissingNode() ? JsonNodeFactory.instance.objectNode() : root, lines);
    }

    /**
     * Jackson's TOML parser (3.x) reads the whole document into a tree and then streams that tree:
     * the parser's input source is the tree. Should a later version stream instead, the tree comes
     * from a {@code TomlMapper}, loaded only then.
     */
    private static JsonNode readTree(String text) {
        try (JsonParser parser = FACTORY.createParser(READ_CONTEXT, text)) {
            Object tree = parser.streamReadInputSource();
            if (tree instanceof JsonNode) {
                return (JsonNode) tree;
            }
        }
        return MapperFallback.MAPPER.readTree(text);
    }

    /** Holds the mapper, so that its classes load only if the factory's parser ever streams. */
    private static final class MapperFallback {
        static final TomlMapper MAPPER = TomlMapper.builder().enable(TomlReadFeature.PARSE_JAVA_TIME).build();
    }

    /** Jackson's reason, at its line, in the words of the rest of the configuration errors. */
    private static ConfigException syntaxError(String source, String text, KeyLines lines, JacksonException e) {
        TokenStreamLocation at = e.getLocation();
        int line = at == null ? 0 : Math.max(0, at.getLineNr());
        int column = at == null ? 0 : Math.max(1, at.getColumnNr());
        String reason = e.getOriginalMessage() == null ? "invalid TOML" : e.getOriginalMessage();
        String lineText = lineText(text, line);
        String key = lines.keyAt(line);
        String path = lines.pathAt(line);
        if (reason.startsWith("Duplicate key") && !isRepeat(lines, line) && isRepeat(lines, line - 1)) {
            line--; // Jackson reports a duplicate once it has read the value's line end
            lineText = lineText(text, line);
            key = lines.keyAt(line);
            path = lines.pathAt(line);
        }
        String message;
        if (reason.startsWith("Duplicate key") && key != null && path != null) {
            message = "duplicate key " + TomlTable.quote(key) + " (first set on line " + lines.lineOf(path) + ")";
        } else if (reason.startsWith("Table redefined") && path != null) {
            message = "table [" + KeyLines.display(path).replaceAll("\\[\\d+]", "") + "] is defined twice (first on line "
                    + lines.lineOf(path) + ")";
        } else if (reason.startsWith("Unknown token") && key != null && path == null) {
            message = "expected '=' after key " + TomlTable.quote(key) + ", found " + found(lineText, lines.keyEnd(line));
        } else if (key != null && unquotedValue(lineText, lines.keyEnd(line)) != null) {
            String word = unquotedValue(lineText, lines.keyEnd(line));
            message = "expected a value for key " + TomlTable.quote(key) + ", found " + word
                    + "; a string must be in quotes, as " + TomlTable.quote(word);
        } else {
            message = Character.toLowerCase(reason.charAt(0)) + reason.substring(1)
                    + (column > 0 && !lineText.isEmpty() ? " at column " + column : "")
                    + (key != null ? " (key " + TomlTable.quote(key) + ")" : "");
        }
        return new ConfigException(source, line, message);
    }

    /** @return whether {@code line} sets a key or table first set on an earlier line */
    private static boolean isRepeat(KeyLines lines, int line) {
        String path = lines.pathAt(line);
        return path != null && lines.lineOf(path) < line;
    }

    /** @return the first non-blank character from {@code from}, quoted, or "the end of the line" */
    private static String found(String line, int from) {
        for (int i = Math.max(0, from); i < line.length(); i++) {
            char c = line.charAt(i);
            if (c != ' ' && c != '\t') {
                return "'" + c + "'";
            }
        }
        return "the end of the line";
    }

    /**
     * @return the value after {@code key =} when it is one bare word that no TOML literal looks like
     *         (a string without its quotes, such as {@code sa} or {@code 10.50.1.1}), else null
     */
    private static String unquotedValue(String line, int keyEnd) {
        int eq = keyEnd < 0 ? -1 : line.indexOf('=', keyEnd);
        if (eq < 0) {
            return null;
        }
        String value = line.substring(eq + 1);
        int comment = value.indexOf('#');
        value = (comment >= 0 ? value.substring(0, comment) : value).trim();
        boolean word = !value.isEmpty() && value.chars().allMatch(c -> KeyLines.isBare((char) c) || c == '.' || c == ':');
        return word && !LITERAL.matcher(value).matches() ? value : null;
    }

    private static String lineText(String text, int line) {
        String[] all = text.split("\r?\n|\r", -1);
        return line >= 1 && line <= all.length ? all[line - 1] : "";
    }
}
