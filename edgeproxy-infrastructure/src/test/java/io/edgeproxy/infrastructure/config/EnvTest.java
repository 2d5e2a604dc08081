package io.edgeproxy.infrastructure.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvTest {

    enum CheckType { TCP, HTTP, HTTP_KEEP_ALIVE }

    @Test
    void boolAcceptsTheUsualSpellingsAndRefusesTheRest() {
        Env env = Env.of(Map.of("A", "TRUE", "B", "0", "C", "yes", "D", "off", "E", "maybe"));

        assertThat(env.bool("A", false)).isTrue();
        assertThat(env.bool("B", true)).isFalse();
        assertThat(env.bool("C", false)).isTrue();
        assertThat(env.bool("D", true)).isFalse();
        assertThat(env.bool("E", true)).isTrue();
        assertThat(env.bool("UNSET", true)).isTrue();
        assertThat(env.errors()).containsExactly("E must be true or false, but was \"maybe\"");
    }

    @Test
    void intInRangeNamesTheRange() {
        Env env = Env.of(Map.of("P", "70000", "Q", "443"));

        assertThat(env.intInRange("Q", 80, 1, 65535)).isEqualTo(443);
        assertThat(env.intInRange("P", 80, 1, 65535)).isEqualTo(80);
        assertThat(env.errors()).containsExactly("P must be an integer from 1 to 65535, but was \"70000\"");
    }

    @Test
    void intInRangeTakesPlainDigitsOnly() {
        Env env = Env.of(Map.of("PLUS", "+4", "MINUS", "-0", "ARABIC", "\u0664", "LONG", "99999999999", "ZERO", "0"));

        assertThat(env.intInRange("PLUS", 2, 1, 1024)).isEqualTo(2);
        assertThat(env.intInRange("MINUS", 2, 0, 1024)).isEqualTo(2);
        assertThat(env.intInRange("ARABIC", 2, 1, 1024)).isEqualTo(2);
        assertThat(env.intInRange("LONG", 2, 1, Integer.MAX_VALUE)).isEqualTo(2);
        assertThat(env.intInRange("ZERO", 2, 0, 1024)).isZero();
        assertThat(env.errors()).containsExactly(
                "PLUS must be an integer from 1 to 1024, but was \"+4\"",
                "MINUS must be an integer from 0 to 1024, but was \"-0\"",
                "ARABIC must be an integer from 1 to 1024, but was \"\u0664\"",
                "LONG must be an integer from 1 to 2147483647, but was \"99999999999\"");
    }

    @Test
    void oneOfMatchesEnumConstantsInAnyCaseWithDashes() {
        Env env = Env.of(Map.of("T", "HTTP", "U", "http-keep-alive", "V", "udp"));

        assertThat(env.oneOf("T", CheckType.class, CheckType.TCP)).isEqualTo(CheckType.HTTP);
        assertThat(env.oneOf("U", CheckType.class, CheckType.TCP)).isEqualTo(CheckType.HTTP_KEEP_ALIVE);
        assertThat(env.oneOf("V", CheckType.class, CheckType.TCP)).isEqualTo(CheckType.TCP);
        assertThat(env.oneOf("UNSET", CheckType.class, CheckType.HTTP)).isEqualTo(CheckType.HTTP);
        assertThat(env.errors()).containsExactly("V must be one of tcp, http, http-keep-alive, but was \"udp\"");
    }

    @Test
    void secondsAndStringsAndPaths() {
        Env env = Env.of(Map.of("S", " 15 ", "N", "name"));

        assertThat(env.seconds("S", Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(15));
        assertThat(env.seconds("UNSET", Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
        assertThat(env.string("N", "x")).isEqualTo("name");
        assertThat(env.string("UNSET", "x")).isEqualTo("x");
        assertThat(env.path("UNSET")).isEmpty();
        assertThat(env.errors()).isEmpty();
    }

    @Test
    void validateThrowsOnlyWhenSomethingWasWrong() {
        Env good = Env.of(Map.of("A", "1"));
        good.positiveInt("A", 5);
        good.validate();

        Env bad = Env.of(Map.of("A", "x"));
        bad.positiveInt("A", 5);
        bad.reject("B must be set when A is");
        assertThatThrownBy(bad::validate)
                .isInstanceOf(ConfigException.class)
                .hasMessage("A must be a positive integer, but was \"x\"\nB must be set when A is");
    }

    @Test
    void unrecognizedListsSetVariablesWithThePrefixThatNobodyRead() {
        Env env = Env.of(Map.of("EDGEPROXY_A", "1", "EDGEPROXY_B", "2", "OTHER", "3"));
        env.get("EDGEPROXY_A");

        assertThat(env.unrecognized("EDGEPROXY_")).containsExactly("EDGEPROXY_B");
    }

    @Test
    void farOffNamesGetNoSuggestion() {
        Env env = Env.of(Map.of("EDGEPROXY_TLS_ENABLED", "true"));
        env.get("EDGEPROXY_REGION");

        assertThat(env.unrecognizedWarnings("EDGEPROXY_")).containsExactly(
                "ignoring unknown environment variable EDGEPROXY_TLS_ENABLED;"
                        + " the 1 known ones are listed in docs/configuration.md");
    }
}
