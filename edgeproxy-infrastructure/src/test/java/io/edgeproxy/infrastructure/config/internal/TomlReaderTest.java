package io.edgeproxy.infrastructure.config.internal;

import io.edgeproxy.infrastructure.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TomlReaderTest {

    private static TomlTable parse(String... lines) {
        return TomlReader.parse("test.toml", String.join("\n", lines));
    }

    private static void assertError(String expectedMessage, String... lines) {
        assertThatThrownBy(() -> parse(lines)).isInstanceOf(ConfigException.class).hasMessage(expectedMessage);
    }

    @Test
    void readsInlineTablesDottedKeysMultiLineStringsAndComments() {
        TomlTable t = parse(
                "# a comment line",
                "limits = { max = 10, burst.size = 3 }   # a trailing comment",
                "a.b.c = 1",
                "text = \"\"\"",
                "first = not a key",
                "second\"\"\"",
                "literal = '''C:\\temp'''",
                "after = 2");

        TomlTable limits = t.table("limits");
        assertThat(limits.get("max").longValue()).isEqualTo(10);
        assertThat(limits.table("burst").get("size").longValue()).isEqualTo(3);
        assertThat(limits.lineOf("max")).isEqualTo(2);
        assertThat(t.table("a").table("b").get("c").longValue()).isEqualTo(1);
        assertThat(t.table("a").table("b").lineOf("c")).isEqualTo(3);
        assertThat(t.get("text").stringValue()).isEqualTo("first = not a key\nsecond");
        assertThat(t.get("literal").stringValue()).isEqualTo("C:\\temp");
        assertThat(t.lineOf("after")).isEqualTo(8);
    }

    @Test
    void keepsTheLinesOfTablesAndArraysOfTables() {
        TomlTable t = parse("top = 1", "", "[[backends]]", "id = 'a'", "", "[[backends]]", "id = 'b'", "[backends.extra]",
                "x = 1", "[rate_limit]", "burst = 10");

        assertThat(t.tables("backends")).hasSize(2);
        assertThat(t.tables("backends").get(0).line()).isEqualTo(3);
        assertThat(t.tables("backends").get(1).lineOf("id")).isEqualTo(7);
        assertThat(t.tables("backends").get(1).table("extra").lineOf("x")).isEqualTo(9);
        assertThat(t.table("rate_limit").lineOf("burst")).isEqualTo(11);
        assertThat(TomlTable.typeName(t.get("backends"))).isEqualTo("array of tables");
        assertThat(t.keys()).containsExactly("top", "backends", "rate_limit");
    }

    @Test
    void readsEveryScalarTypeOfToml() {
        TomlTable t = parse("hex = 0xff", "big = 1_000", "f = 1.5", "on = true", "d = 1979-05-27", "s = \"\\u00e9\"");

        assertThat(t.get("hex").longValue()).isEqualTo(255);
        assertThat(t.get("big").longValue()).isEqualTo(1000);
        assertThat(TomlTable.typeName(t.get("f"))).isEqualTo("float");
        assertThat(t.get("on").booleanValue()).isTrue();
        assertThat(TomlTable.typeName(t.get("d"))).isEqualTo("date-time");
        assertThat(t.get("s").stringValue()).isEqualTo("é");
    }

    @Test
    void acceptsCrlfLineEndsAndAByteOrderMark() {
        TomlTable t = TomlReader.parse("win.toml", "\uFEFFa = 1\r\n# c\r\nb = 'x'\r\n");

        assertThat(t.get("b").stringValue()).isEqualTo("x");
        assertThat(t.lineOf("b")).isEqualTo(3);
    }

    @Test
    void anEmptyOrCommentOnlyDocumentIsAnEmptyTable() {
        assertThat(TomlReader.parse("empty.toml", "").keys()).isEmpty();
        assertThat(TomlReader.parse("comment.toml", "# nothing here\n").keys()).isEmpty();
        assertThat(TomlReader.parse("bom.toml", "\uFEFF").keys()).isEmpty();
    }

    @Test
    void syntaxErrorsNameTheFileTheLineAndTheKey() {
        assertError("test.toml:3: expected '=' after key \"port\", found '8'", "a = 1", "", "port 8080");
        assertError("test.toml:2: duplicate key \"id\" (first set on line 1)", "id = 1", "id = 2");
        assertError("test.toml:3: table [t] is defined twice (first on line 1)", "[t]", "a = 1", "[t]");
        assertError("test.toml:1: expected a value for key \"region\", found sa; a string must be in quotes, as \"sa\"",
                "region = sa");
        assertError("test.toml:1: expected a value for key \"wg_ip\", found 10.50.1.1; a string must be in quotes,"
                + " as \"10.50.1.1\"", "wg_ip = 10.50.1.1");
        assertThatThrownBy(() -> parse("n = 007")).hasMessageStartingWith("test.toml:1: zero-prefixed ints are not valid")
                .hasMessageContaining("(key \"n\")");
        assertThatThrownBy(() -> parse("a = 1", "s = \"abc", "b = 2")).hasMessageStartingWith("test.toml:2: ")
                .hasMessageContaining("(key \"s\")");
    }

    @Test
    void aFileThatCannotBeReadIsDescribedInPlainWords(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> TomlReader.read(dir.resolve("missing.toml"), "EDGEPROXY_CONFIG_PATH"))
                .hasMessage("EDGEPROXY_CONFIG_PATH " + dir.resolve("missing.toml") + " does not exist");
        assertThatThrownBy(() -> TomlReader.read(dir, "EDGEPROXY_CONFIG_PATH"))
                .hasMessage("EDGEPROXY_CONFIG_PATH " + dir + " is a directory, not a file");
        Path latin1 = dir.resolve("latin1.toml");
        Files.write(latin1, "city = \"São Paulo\"\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> TomlReader.read(latin1, null)).hasMessage(latin1 + ": is not UTF-8 text");
        Path locked = dir.resolve("locked.toml");
        Files.writeString(locked, "a = 1\n");
        if (locked.toFile().setReadable(false) && !Files.isReadable(locked)) { // not as root
            assertThatThrownBy(() -> TomlReader.read(locked, "EDGEPROXY_CONFIG_PATH"))
                    .hasMessage("EDGEPROXY_CONFIG_PATH " + locked + " cannot be read: permission denied");
        }
    }
}
