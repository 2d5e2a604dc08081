package io.edgeproxy.infrastructure.config.internal;

import io.edgeproxy.infrastructure.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TomlParserTest {

    private static TomlTable parse(String... lines) {
        return TomlParser.parse("test.toml", String.join("\n", lines));
    }

    private static void assertError(String expectedMessage, String... lines) {
        assertThatThrownBy(() -> parse(lines))
                .isInstanceOf(ConfigException.class)
                .hasMessage(expectedMessage);
    }

    @Test
    void readsScalarsOfEveryType() {
        TomlTable t = parse(
                "name = \"edge\"",
                "path = 'C:\\temp\\x'",
                "port = 8080",
                "big = 1_000_000",
                "negative = -17",
                "plus = +3",
                "zero = 0",
                "hex = 0xdead_BEEF",
                "octal = 0o755",
                "binary = 0b1010",
                "ratio = 0.25",
                "exp = 6.02e23",
                "exp2 = -1E-3",
                "under = 1_0.5_0",
                "pinf = inf",
                "ninf = -inf",
                "notanumber = nan",
                "on = true",
                "off = false");

        assertThat(t.get("name")).isEqualTo("edge");
        assertThat(t.get("path")).isEqualTo("C:\\temp\\x");
        assertThat(t.get("port")).isEqualTo(8080L);
        assertThat(t.get("big")).isEqualTo(1_000_000L);
        assertThat(t.get("negative")).isEqualTo(-17L);
        assertThat(t.get("plus")).isEqualTo(3L);
        assertThat(t.get("zero")).isEqualTo(0L);
        assertThat(t.get("hex")).isEqualTo(0xdeadbeefL);
        assertThat(t.get("octal")).isEqualTo(0755L);
        assertThat(t.get("binary")).isEqualTo(10L);
        assertThat(t.get("ratio")).isEqualTo(0.25);
        assertThat(t.get("exp")).isEqualTo(6.02e23);
        assertThat(t.get("exp2")).isEqualTo(-1e-3);
        assertThat(t.get("under")).isEqualTo(10.50);
        assertThat(t.get("pinf")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(t.get("ninf")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat((Double) t.get("notanumber")).isNaN();
        assertThat(t.get("on")).isEqualTo(true);
        assertThat(t.get("off")).isEqualTo(false);
        assertThat(t.keys()).first().isEqualTo("name");
        assertThat(t.keys()).last().isEqualTo("off");
    }

    @Test
    void readsTheExtremesOf64BitIntegers() {
        TomlTable t = parse("max = 9223372036854775807", "min = -9223372036854775808");

        assertThat(t.get("max")).isEqualTo(Long.MAX_VALUE);
        assertThat(t.get("min")).isEqualTo(Long.MIN_VALUE);
        assertError("test.toml:1: integer 9223372036854775808 for key \"n\" does not fit in 64 bits",
                "n = 9223372036854775808");
    }

    @Test
    void decodesEscapesInBasicStringsOnly() {
        TomlTable t = parse(
                "basic = \"tab\\tquote\\\" backslash\\\\ nl\\n cr\\r bs\\b ff\\f\"",
                "unicode = \"\\u00e9\\U0001F600\"",
                "literal = '\\t stays'",
                "hash = \"# not a comment\" # a comment",
                "utf8 = \"São Paulo\"",
                "empty = \"\"");

        assertThat(t.get("basic")).isEqualTo("tab\tquote\" backslash\\ nl\n cr\r bs\b ff\f");
        assertThat(t.get("unicode")).isEqualTo("\u00e9\uD83D\uDE00");
        assertThat(t.get("literal")).isEqualTo("\\t stays");
        assertThat(t.get("hash")).isEqualTo("# not a comment");
        assertThat(t.get("utf8")).isEqualTo("São Paulo");
        assertThat(t.get("empty")).isEqualTo("");
    }

    @Test
    void readsQuotedAndDottedKeys() {
        TomlTable t = parse(
                "\"with space\" = 1",
                "'literal key' = 2",
                "a.b.c = 3",
                "a . b . d = 4",
                "site.\"google.com\" = true",
                "1234 = 'bare digits'",
                "dash-and_underscore = 5");

        assertThat(t.get("with space")).isEqualTo(1L);
        assertThat(t.get("literal key")).isEqualTo(2L);
        TomlTable b = (TomlTable) ((TomlTable) t.get("a")).get("b");
        assertThat(b.get("c")).isEqualTo(3L);
        assertThat(b.get("d")).isEqualTo(4L);
        assertThat(b.path()).isEqualTo("a.b");
        assertThat(((TomlTable) t.get("site")).get("google.com")).isEqualTo(true);
        assertThat(t.get("1234")).isEqualTo("bare digits");
        assertThat(t.get("dash-and_underscore")).isEqualTo(5L);
    }

    @Test
    void readsArraysOverSeveralLinesWithCommentsAndATrailingComma() {
        TomlTable t = parse(
                "ports = [ 80, 443 ]",
                "names = [",
                "  \"a\",   # first",
                "  'b',",
                "",
                "  # between",
                "]",
                "empty = []",
                "mixed = [1, 'two', 3.0, true]",
                "after = 1");

        assertThat(t.get("ports")).isEqualTo(List.of(80L, 443L));
        assertThat(t.get("names")).isEqualTo(List.of("a", "b"));
        assertThat(t.get("empty")).isEqualTo(List.of());
        assertThat(t.get("mixed")).isEqualTo(List.of(1L, "two", 3.0, true));
        assertThat(t.lineOf("after")).isEqualTo(10);
        assertThatThrownBy(() -> ((List<?>) t.get("ports")).clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void readsTablesAndArraysOfTablesWithTheirLines() {
        TomlTable t = parse(
                "# edgeproxy",
                "top = 1",
                "",
                "[[backends]]",
                "id = 'a'",
                "",
                "[[backends]]",
                "id = 'b'",
                "",
                "[rate_limit]",
                "burst = 10",
                "",
                "[server.tls]",
                "enabled = false");

        assertThat(t.keys()).containsExactly("top", "backends", "rate_limit", "server");
        @SuppressWarnings("unchecked")
        List<TomlTable> backends = (List<TomlTable>) t.get("backends");
        assertThat(backends).hasSize(2);
        assertThat(backends.get(0).get("id")).isEqualTo("a");
        assertThat(backends.get(0).line()).isEqualTo(4);
        assertThat(backends.get(0).lineOf("id")).isEqualTo(5);
        assertThat(backends.get(1).get("id")).isEqualTo("b");
        assertThat(backends.get(1).path()).isEqualTo("backends[1]");
        assertThat(backends.get(1).lineOf("id")).isEqualTo(8);
        TomlTable rate = (TomlTable) t.get("rate_limit");
        assertThat(rate.get("burst")).isEqualTo(10L);
        assertThat(rate.line()).isEqualTo(10);
        assertThat(((TomlTable) ((TomlTable) t.get("server")).get("tls")).get("enabled")).isEqualTo(false);
        assertThat(TomlTable.typeName(t.get("backends"))).isEqualTo("array of tables");
        assertThat(TomlTable.typeName(t.get("rate_limit"))).isEqualTo("table");
    }

    @Test
    void subTablesOfArraysOfTablesBelongToTheLastElement() {
        TomlTable t = parse(
                "[[fruit]]",
                "name = 'apple'",
                "[fruit.physical]",
                "color = 'red'",
                "[[fruit]]",
                "name = 'banana'");

        List<?> fruit = (List<?>) t.get("fruit");
        assertThat(((TomlTable) ((TomlTable) fruit.get(0)).get("physical")).get("color")).isEqualTo("red");
        assertThat(((TomlTable) fruit.get(1)).has("physical")).isFalse();
    }

    @Test
    void aTableNamedBeforeItsParentMayStillBeDefinedOnce() {
        TomlTable t = parse("[a.b]", "x = 1", "[a]", "y = 2");

        assertThat(((TomlTable) t.get("a")).get("y")).isEqualTo(2L);
        assertError("test.toml:5: table [a] is defined twice (first on line 1)", "[a.b]", "x = 1", "[a]", "y = 2", "[a]");
    }

    @Test
    void acceptsCrlfLineEndsAndAByteOrderMark() {
        TomlTable t = TomlParser.parse("win.toml", "\uFEFFa = 1\r\n# c\r\nb = 'x'\r\n");

        assertThat(t.get("a")).isEqualTo(1L);
        assertThat(t.get("b")).isEqualTo("x");
        assertThat(t.lineOf("b")).isEqualTo(3);
    }

    @Test
    void anEmptyDocumentIsAnEmptyTable() {
        assertThat(parse("").keys()).isEmpty();
        assertThat(parse("# only a comment", "", "   ").keys()).isEmpty();
    }

    @Test
    void errorsNameTheFileTheLineAndTheReason() {
        assertError("test.toml:3: expected '=' after key \"port\", found '8'", "a = 1", "", "port 8080");
        assertError("test.toml:1: expected '=' after key \"port\", found ':'", "port: 8080");
        assertError("test.toml:1: expected '=' after key \"port\", found the end of the line", "port", "x = 1");
        assertError("test.toml:1: missing value after '=' for key \"port\"", "port =");
        assertError("test.toml:1: missing value after '=' for key \"port\"", "port = # none");
        assertError("test.toml:2: duplicate key \"id\" (first set on line 1)", "id = 1", "id = 2");
        assertError("test.toml:1: expected the end of the line after the value of key \"a\", found '2'", "a = 1 2");
        assertError("test.toml:1: expected the end of the line after the table header [t], found 'x'", "[t] x");
        assertError("test.toml:1: expected a key, found '=' (bare keys hold only letters, digits, '_' and '-';"
                + " quote any other key)", "= 1");
        assertError("test.toml:1: expected a key after '[', found ']' (bare keys hold only letters, digits, '_'"
                + " and '-'; quote any other key)", "[]");
        assertError("test.toml:1: expected ']' to close the table header [t, found the end of the line", "[t", "a = 1");
        assertError("test.toml:1: expected ']]' to close the table header [[t, found ']'", "[[t]", "a = 1");
    }

    @Test
    void unquotedStringsGetAHint() {
        assertError("test.toml:1: expected a value for key \"region\", found sa; a string must be in quotes, as \"sa\"",
                "region = sa");
        assertError("test.toml:1: expected a value for key \"wg_ip\", found 10.50.1.1; a string must be in quotes,"
                + " as \"10.50.1.1\"", "wg_ip = 10.50.1.1");
        assertError("test.toml:1: expected a value for key \"on\", found True; a string must be in quotes, as \"True\"",
                "on = True");
    }

    @Test
    void malformedNumbersAreRefused() {
        assertError("test.toml:1: invalid number 007 for key \"n\" (TOML numbers have no leading zeros, '_' only"
                + " between digits, digits on both sides of '.')", "n = 007");
        assertThatThrownBy(() -> parse("n = 1__0")).hasMessageStartingWith("test.toml:1: invalid number 1__0");
        assertThatThrownBy(() -> parse("n = _1")).hasMessageContaining("found _1");
        assertThatThrownBy(() -> parse("n = 1_")).hasMessageStartingWith("test.toml:1: invalid number 1_ ");
        assertThatThrownBy(() -> parse("n = 1.")).hasMessageStartingWith("test.toml:1: invalid number 1. ");
        assertThatThrownBy(() -> parse("n = .5")).hasMessageContaining("found .5");
        assertThatThrownBy(() -> parse("n = +0x10")).hasMessageStartingWith("test.toml:1: invalid number +0x10");
        assertThatThrownBy(() -> parse("n = 0xFFFFFFFFFFFFFFFFF")).hasMessageContaining("does not fit in 64 bits");
    }

    @Test
    void unsupportedTomlIsRefusedSayingSo() {
        assertError("test.toml:1: multi-line strings (\"\"\") are not supported (key \"s\")", "s = \"\"\"x\"\"\"");
        assertError("test.toml:1: multi-line strings (''') are not supported (key \"s\")", "s = '''x'''");
        assertError("test.toml:1: inline tables ({...}) are not supported (key \"t\"); write a [table] or"
                + " [[array of tables]] header instead", "t = { a = 1 }");
        assertError("test.toml:1: inline tables ({...}) are not supported (key \"backends\"); write [[backends]]"
                + " tables instead", "backends = [ { id = 'a' } ]");
        assertError("test.toml:1: arrays of arrays are not supported (key \"a\")", "a = [[1], [2]]");
        assertError("test.toml:1: dates and times are not supported (key \"d\"); write it as a string",
                "d = 1979-05-27T07:32:00Z");
        assertError("test.toml:1: dates and times are not supported (key \"d\"); write it as a string",
                "d = 07:32:00");
    }

    @Test
    void stringErrorsPointAtTheString() {
        assertError("test.toml:2: unterminated string (missing closing '\"' before the end of the line)",
                "a = 1", "s = \"abc", "b = 2");
        assertError("test.toml:1: unterminated string (missing closing '\"')", "s = \"abc");
        assertError("test.toml:1: unterminated string (missing closing \"'\" before the end of the line)",
                "s = 'abc", "x = 1");
        assertError("test.toml:1: invalid escape \\q in a string (write \\\\ for a backslash, or use a 'literal"
                + " string' where backslashes are plain characters)", "s = \"C:\\qtemp\"");
        assertError("test.toml:1: a \\u escape needs 4 hex digits, but was \"12G4\"", "s = \"\\u12G4\"");
        assertError("test.toml:1: escape \\uD800 is not a Unicode scalar value", "s = \"\\uD800\"");
        assertError("test.toml:1: control character U+0001 must be escaped in a string", "s = \"a\u0001b\"");
    }

    @Test
    void arrayErrorsPointAtTheArray() {
        assertError("test.toml:1: unterminated array for key \"a\" (missing ']')", "a = [1, 2", "");
        assertError("test.toml:2: expected ',' or ']' in the array for key \"a\", found '2'", "a = [", "1 2]");
        assertError("test.toml:1: expected a value in the array for key \"a\", found ','", "a = [1,,2]");
    }

    @Test
    void redefinitionsAreRefused() {
        assertError("test.toml:3: table [t] is defined twice (first on line 1)", "[t]", "a = 1", "[t]");
        assertError("test.toml:2: cannot define [[t]]: t is already a table (set on line 1)", "[t]", "[[t]]");
        assertError("test.toml:2: cannot define [t]: t is already an array of tables (set on line 1)", "[[t]]", "[t]");
        assertError("test.toml:2: cannot define [a.b]: a is already an integer (set on line 1)", "a = 1", "[a.b]");
        assertError("test.toml:2: cannot set key \"a.b\": \"a\" is already an integer (set on line 1) that dotted"
                + " keys cannot extend", "a = 1", "a.b = 2");
        assertError("test.toml:3: table [a] was already defined by dotted keys on line 1", "a.b = 1", "", "[a]");
        assertError("test.toml:2: duplicate key \"a.b\" (first set on line 1)", "a.b = 1", "a.b = 2");
    }

    @Test
    void aBareCarriageReturnIsRefused() {
        assertThatThrownBy(() -> TomlParser.parse("cr.toml", "a = 1\rb = 2"))
                .hasMessage("cr.toml:1: a carriage return must be followed by a line feed");
    }

    @Test
    void readsAFileAndNamesItInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("edge.toml");
        Files.writeString(file, "a = 1\nb = \n");

        assertThatThrownBy(() -> TomlParser.parse(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":2: missing value after '=' for key \"b\"")
                .satisfies(e -> {
                    assertThat(((ConfigException) e).source()).isEqualTo(file.toString());
                    assertThat(((ConfigException) e).line()).isEqualTo(2);
                });

        Files.writeString(file, "a = 1\n");
        assertThat(TomlParser.parse(file).get("a")).isEqualTo(1L);
    }

    @Test
    void aMissingOrNonUtf8FileIsACleanError(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.toml");
        assertThatThrownBy(() -> TomlParser.parse(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessage(missing + ": cannot read the file: it does not exist");

        Path latin1 = dir.resolve("latin1.toml");
        Files.write(latin1, "city = \"São Paulo\"\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> TomlParser.parse(latin1))
                .isInstanceOf(ConfigException.class)
                .hasMessage(latin1 + ": is not UTF-8 text");

        assertThatThrownBy(() -> TomlParser.parse(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(dir + ": cannot read the file: ");
    }
}
