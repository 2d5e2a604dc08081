package io.edgeproxy.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The tests run with {@code -Djdk.net.hosts.file=src/test/hosts} (see the module's pom), where
 * {@code backend.internal}, {@code svc:80} and {@code zz::1} resolve to 10.66.0.1: had the parser
 * asked the name service, these names would come back as an address instead of being refused.
 */
class IpLiteralTest {

    @Test
    void parsesDottedQuadIpv4() throws Exception {
        InetAddress a = IpLiteral.parse("10.50.1.1");

        assertThat(a).isInstanceOf(Inet4Address.class);
        assertThat(a.getAddress()).containsExactly(10, 50, 1, 1);
    }

    @Test
    void parsesTheEdgesOfTheIpv4Range() {
        assertThat(IpLiteral.parse("0.0.0.0").getHostAddress()).isEqualTo("0.0.0.0");
        assertThat(IpLiteral.parse("255.255.255.255").getHostAddress()).isEqualTo("255.255.255.255");
    }

    @Test
    void trimsSurroundingWhitespace() {
        assertThat(IpLiteral.parse("  10.0.0.1 ").getHostAddress()).isEqualTo("10.0.0.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"256.1.1.1", "1.2.3.300", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.4.", ".1.2.3",
            "1.2.3.-4", "+1.2.3.4", "1.2.3.4:80", "0x0a.0.0.1", "10.0.0.1/8", "١.٢.٣.٤"})
    void refusesMalformedIpv4(String text) {
        assertThatThrownBy(() -> IpLiteral.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address must be an IPv4 or IPv6 literal, but was \"" + text + "\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"010.0.0.1", "01.2.3.4", "1.2.3.04", "10.00.0.1"})
    void refusesIpv4PartsWithLeadingZerosRatherThanGuessOctalOrDecimal(String text) {
        assertThatThrownBy(() -> IpLiteral.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address must be an IPv4 or IPv6 literal, but was \"" + text + "\"");
    }

    @Test
    void refusesIpv4InBracketsWhichHoldIpv6Only() {
        assertThatThrownBy(() -> IpLiteral.parse("[10.0.0.1]"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address must be an IPv4 or IPv6 literal, but was \"[10.0.0.1]\"");
    }

    @Test
    void parsesIpv6() {
        InetAddress a = IpLiteral.parse("fd00::1");

        assertThat(a).isInstanceOf(Inet6Address.class);
        assertThat(a.getHostAddress()).isEqualTo("fd00:0:0:0:0:0:0:1");
    }

    @Test
    void parsesIpv6InBrackets() {
        assertThat(IpLiteral.parse("[fd00::1]")).isEqualTo(IpLiteral.parse("fd00::1"));
        assertThat(IpLiteral.parse("[::1]").isLoopbackAddress()).isTrue();
    }

    @Test
    void parsesIpv6WithEmbeddedIpv4() {
        assertThat(IpLiteral.parse("64:ff9b::10.0.0.1")).isInstanceOf(Inet6Address.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fd00::1::2", "fd00:::1", "1:2:3:4:5:6:7:8:9", "fd00::g", "[fd00::1", "fd00::1]", "[]", ":"})
    void refusesMalformedIpv6(String text) {
        assertThatThrownBy(() -> IpLiteral.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"backend.internal", "svc:80", "zz::1", "[svc:80]", "localhost", "example.com"})
    void refusesHostNamesWithoutLookingThemUp(String text) {
        assertThatThrownBy(() -> IpLiteral.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address must be an IPv4 or IPv6 literal, but was \"" + text + "\"");
    }

    @Test
    void theTestNameServiceDoesResolveTheNamesAbove() throws Exception {
        // Guards the test above: if the hosts file were not in effect, refusing these names would prove nothing.
        assertThat(InetAddress.getByName("svc:80").getHostAddress()).isEqualTo("10.66.0.1");
        assertThat(InetAddress.getByName("backend.internal").getHostAddress()).isEqualTo("10.66.0.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void refusesBlank(String text) {
        assertThatThrownBy(() -> IpLiteral.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address must be an IP literal, but was blank");
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> IpLiteral.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address must be an IP literal, but was blank");
    }

    @Test
    void tellsWhetherTextIsALiteral() {
        assertThat(IpLiteral.isLiteral("10.0.0.1")).isTrue();
        assertThat(IpLiteral.isLiteral("[fd00::1]")).isTrue();
        assertThat(IpLiteral.isLiteral("svc:80")).isFalse();
        assertThat(IpLiteral.isLiteral("backend.internal")).isFalse();
        assertThat(IpLiteral.isLiteral(null)).isFalse();
    }
}
