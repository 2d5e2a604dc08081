package io.edgeproxy.domain;

import org.junit.jupiter.api.Test;

import java.net.Inet6Address;
import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientKeyTest {

    @Test
    void isTheClientsIpv4AddressAsText() throws Exception {
        ClientKey key = ClientKey.of(InetAddress.getByAddress(new byte[] {(byte) 203, 0, 113, 7}));

        assertThat(key.value()).isEqualTo("203.0.113.7");
        assertThat(key).hasToString("203.0.113.7");
    }

    @Test
    void isTheSameForEveryTextFormOfOneIpv6Address() {
        assertThat(ClientKey.of(IpLiteral.parse("fd00::1"))).isEqualTo(ClientKey.of(IpLiteral.parse("FD00:0:0::0001")));
    }

    @Test
    void dropsTheIpv6Scope() throws Exception {
        byte[] linkLocal = IpLiteral.parse("fe80::1").getAddress();
        Inet6Address scoped = Inet6Address.getByAddress(null, linkLocal, 3);

        assertThat(scoped.getHostAddress()).endsWith("%3");
        assertThat(ClientKey.of(scoped)).isEqualTo(ClientKey.of(InetAddress.getByAddress(linkLocal)));
        assertThat(ClientKey.of(scoped).value()).isEqualTo("fe80:0:0:0:0:0:0:1");
    }

    @Test
    void usesTheAddressNotAHostNameTheAddressCarries() throws Exception {
        InetAddress named = InetAddress.getByAddress("backend.internal", new byte[] {10, 0, 0, 1});

        assertThat(ClientKey.of(named).value()).isEqualTo("10.0.0.1");
    }

    @Test
    void refusesABlankKey() {
        assertThatThrownBy(() -> new ClientKey(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client key must not be blank");
        assertThatThrownBy(() -> new ClientKey(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client key must not be blank");
    }
}
