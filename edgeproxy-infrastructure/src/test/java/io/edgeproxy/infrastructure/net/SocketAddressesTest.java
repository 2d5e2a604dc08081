package io.edgeproxy.infrastructure.net;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SocketAddressesTest {

    @Test
    void parsesIpv4Ipv6AndWildcardForms() {
        assertThat(SocketAddresses.format(SocketAddresses.parse("0.0.0.0:8080"))).isEqualTo("0.0.0.0:8080");
        assertThat(SocketAddresses.format(SocketAddresses.parse("[::1]:9090"))).isEqualTo("[0:0:0:0:0:0:0:1]:9090");
        InetSocketAddress any = SocketAddresses.parse(":8080");
        assertThat(any.getAddress().isAnyLocalAddress()).isTrue();
        assertThat(any.getPort()).isEqualTo(8080);
        assertThat(SocketAddresses.parse("127.0.0.1:0").getPort()).isZero();
    }

    @Test
    void namesTheBadInput() {
        assertThatThrownBy(() -> SocketAddresses.parse("8080"))
                .hasMessage("address must be host:port, but was \"8080\"");
        assertThatThrownBy(() -> SocketAddresses.parse("0.0.0.0:http"))
                .hasMessage("address port must be a number, but was \"0.0.0.0:http\"");
        assertThatThrownBy(() -> SocketAddresses.parse("0.0.0.0:70000"))
                .hasMessage("address port must be between 0 and 65535, but was \"0.0.0.0:70000\"");
        assertThatThrownBy(() -> SocketAddresses.parse("::1:80"))
                .hasMessage("an IPv6 address must be in brackets, as [::1]:8080, but was \"::1:80\"");
        assertThatThrownBy(() -> SocketAddresses.parse(" "))
                .hasMessage("address must be host:port, but was blank");
    }
}
