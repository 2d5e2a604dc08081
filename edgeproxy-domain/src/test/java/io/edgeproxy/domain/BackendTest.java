package io.edgeproxy.domain;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackendTest {

    private static Backend.Builder valid() {
        return Backend.builder("sa-1").app("api").region("sa").country("BR").address("10.50.1.1").port(8080);
    }

    @Test
    void appliesTheDocumentedDefaults() {
        Backend b = valid().build();

        assertThat(b.healthy()).isTrue();
        assertThat(b.weight()).isEqualTo(1);
        assertThat(b.softLimit()).isEqualTo(100);
        assertThat(b.hardLimit()).isEqualTo(150);
        assertThat(Backend.DEFAULT_WEIGHT).isEqualTo(1);
        assertThat(Backend.DEFAULT_SOFT_LIMIT).isEqualTo(100);
        assertThat(Backend.DEFAULT_HARD_LIMIT).isEqualTo(150);
    }

    @Test
    void keepsEveryField() {
        Backend b = new Backend("eu-7", "web", RegionCode.EU, "DE", "10.60.0.7", 443, false, 3, 20, 40);

        assertThat(b.id()).isEqualTo("eu-7");
        assertThat(b.app()).isEqualTo("web");
        assertThat(b.region()).isEqualTo(RegionCode.EU);
        assertThat(b.country()).isEqualTo("DE");
        assertThat(b.address()).isEqualTo("10.60.0.7");
        assertThat(b.port()).isEqualTo(443);
        assertThat(b.healthy()).isFalse();
        assertThat(b.weight()).isEqualTo(3);
        assertThat(b.softLimit()).isEqualTo(20);
        assertThat(b.hardLimit()).isEqualTo(40);
    }

    @Test
    void normalizesCountryRegionAndSurroundingSpaces() {
        Backend b = Backend.builder(" sa-1 ").app(" api ").region("SA").country("br").address(" 10.50.1.1 ").port(80).build();

        assertThat(b.id()).isEqualTo("sa-1");
        assertThat(b.app()).isEqualTo("api");
        assertThat(b.region()).isEqualTo(RegionCode.SA);
        assertThat(b.country()).isEqualTo("BR");
        assertThat(b.address()).isEqualTo("10.50.1.1");
    }

    @Test
    void resolvesItsSocketAddressFromTheLiteral() {
        InetSocketAddress s = valid().build().socketAddress();

        assertThat(s.isUnresolved()).isFalse();
        assertThat(s.getAddress().getAddress()).containsExactly(10, 50, 1, 1);
        assertThat(s.getPort()).isEqualTo(8080);
    }

    @Test
    void acceptsAnIpv6Address() {
        Backend plain = valid().address("fd00::1").build();
        Backend bracketed = valid().address("[fd00::1]").build();

        assertThat(plain.socketAddress().getAddress()).isInstanceOf(Inet6Address.class);
        assertThat(plain.socketAddress().getAddress().getHostAddress()).isEqualTo("fd00:0:0:0:0:0:0:1");
        assertThat(bracketed.socketAddress()).isEqualTo(plain.socketAddress());
    }

    @Test
    void refusesAHostNameWithoutLookingItUp() {
        // backend.internal resolves in the tests' hosts file: accepting it would mean a lookup happened
        assertThatThrownBy(() -> valid().address("backend.internal").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend sa-1: address must be an IPv4 or IPv6 literal, but was \"backend.internal\"");
    }

    @Test
    void refusesAMissingAddress() {
        assertThatThrownBy(() -> valid().address(null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend sa-1: address must be an IP literal, but was blank");
    }

    @Test
    void refusesABlankOrMissingId() {
        assertThatThrownBy(() -> Backend.builder(" ").app("api").region("sa").country("BR").address("10.0.0.1").port(1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend id must not be blank, but was \" \"");
        assertThatThrownBy(() -> Backend.builder(null).app("api").region("sa").country("BR").address("10.0.0.1").port(1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend id must not be blank, but was \"null\"");
    }

    @Test
    void refusesABlankApp() {
        assertThatThrownBy(() -> valid().app("").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend app must not be blank, but was \"\"");
    }

    @Test
    void refusesControlCharactersInIdAndAppSoThatNoLogLineCanBeForged() {
        assertThatThrownBy(() -> Backend.builder("sa-1\nINFO forged").app("api").region("sa").country("BR")
                .address("10.0.0.1").port(1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend id must not contain control characters, but has U+000A at index 4");
        assertThatThrownBy(() -> valid().app("api\u001b[31m").build())
                .hasMessage("backend app must not contain control characters, but has U+001B at index 3");
        assertThatThrownBy(() -> valid().app("a\u2028b").build())
                .hasMessage("backend app must not contain control characters, but has U+2028 at index 1");
        assertThat(valid().app("São Paulo api").build().app()).isEqualTo("São Paulo api");
    }

    @Test
    void refusesAMissingRegion() {
        assertThatThrownBy(() -> valid().region((RegionCode) null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend sa-1: region must not be null");
    }

    @Test
    void refusesACountryThatIsNotAnAlpha2Code() {
        assertThatThrownBy(() -> valid().country("BRA").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend sa-1: country must be an ISO 3166-1 alpha-2 code such as \"BR\", but was \"BRA\"");
        assertThatThrownBy(() -> valid().country(null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend sa-1: country must not be null");
    }

    @Test
    void refusesAPortOutside1To65535() {
        assertThatThrownBy(() -> valid().port(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend sa-1: port must be between 1 and 65535, but was 0");
        assertThatThrownBy(() -> valid().port(65536).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend sa-1: port must be between 1 and 65535, but was 65536");
        assertThat(valid().port(1).build().port()).isEqualTo(1);
        assertThat(valid().port(65535).build().port()).isEqualTo(65535);
    }

    @Test
    void refusesANegativeWeightButAcceptsZero() {
        assertThatThrownBy(() -> valid().weight(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend sa-1: weight must be >= 0, but was -1");
        assertThat(valid().weight(0).build().weight()).isZero();
    }

    @Test
    void refusesANegativeSoftLimitButAcceptsZero() {
        assertThatThrownBy(() -> valid().softLimit(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend sa-1: softLimit must be >= 0, but was -1");
        assertThat(valid().softLimit(0).build().softLimit()).isZero();
    }

    @Test
    void refusesAHardLimitBelowOne() {
        assertThatThrownBy(() -> valid().softLimit(0).hardLimit(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend sa-1: hardLimit must be >= 1, but was 0");
        assertThat(valid().softLimit(1).hardLimit(1).build().hardLimit()).isEqualTo(1);
    }

    @Test
    void refusesASoftLimitAboveTheHardLimit() {
        assertThatThrownBy(() -> valid().softLimit(151).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend sa-1: softLimit must be <= hardLimit (150), but was 151");
        assertThat(valid().softLimit(150).build().softLimit()).isEqualTo(150);
    }

    @Test
    void isEqualToABackendWithTheSameFields() {
        Backend a = valid().build();
        Backend b = valid().build();

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.toBuilder().build()).isEqualTo(a);
    }

    @Test
    void differsWhenAnyFieldDiffers() {
        Backend a = valid().build();

        assertThat(a)
                .isNotEqualTo(Backend.builder("sa-2").app("api").region("sa").country("BR").address("10.50.1.1").port(8080).build())
                .isNotEqualTo(valid().app("web").build())
                .isNotEqualTo(valid().region("us").build())
                .isNotEqualTo(valid().country("AR").build())
                .isNotEqualTo(valid().address("10.50.1.2").build())
                .isNotEqualTo(valid().port(8081).build())
                .isNotEqualTo(valid().healthy(false).build())
                .isNotEqualTo(valid().weight(2).build())
                .isNotEqualTo(valid().softLimit(99).build())
                .isNotEqualTo(valid().hardLimit(151).build());
    }

    @Test
    void withHealthyReturnsAChangedCopyAndLeavesTheOriginal() {
        Backend up = valid().weight(2).softLimit(10).hardLimit(20).build();

        Backend down = up.withHealthy(false);

        assertThat(down.healthy()).isFalse();
        assertThat(up.healthy()).isTrue();
        assertThat(down).isNotEqualTo(up);
        assertThat(down.withHealthy(true)).isEqualTo(up);
        assertThat(down.toBuilder().healthy(true).build()).isEqualTo(up);
    }

    @Test
    void withWeightReturnsAChangedCopyThatIsStillValidated() {
        Backend b = valid().build();

        assertThat(b.withWeight(0).weight()).isZero();
        assertThat(b.weight()).isEqualTo(1);
        assertThatThrownBy(() -> b.withWeight(-2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend sa-1: weight must be >= 0, but was -2");
    }

    @Test
    void describesItselfForLogs() {
        assertThat(valid().healthy(false).build().toString())
                .isEqualTo("Backend[sa-1 api sa/BR 10.50.1.1:8080 UNHEALTHY w=1 soft=100 hard=150]");
    }
}
