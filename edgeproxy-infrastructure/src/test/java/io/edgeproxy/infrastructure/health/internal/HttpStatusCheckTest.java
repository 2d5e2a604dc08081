package io.edgeproxy.infrastructure.health.internal;

import io.edgeproxy.infrastructure.health.HealthCheckType;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class HttpStatusCheckTest {

    @Test
    void hostHeaderPutsIpv6InBracketsWithoutScope() throws Exception {
        assertThat(HttpStatusCheck.hostHeader(new InetSocketAddress(InetAddress.getByName("10.50.1.1"), 8080)))
                .isEqualTo("10.50.1.1:8080");
        assertThat(HttpStatusCheck.hostHeader(new InetSocketAddress(InetAddress.getByName("fd00::1"), 8080)))
                .isEqualTo("[fd00:0:0:0:0:0:0:1]:8080");
        assertThat(HttpStatusCheck.hostHeader(new InetSocketAddress(InetAddress.getByName("fe80::1%1"), 80)))
                .isEqualTo("[fe80:0:0:0:0:0:0:1]:80");
    }

    @Test
    void httpRequestIsACompleteHttp11GetThatClosesTheConnection() throws Exception {
        String request = new String(HttpStatusCheck.request(new HealthCheckType.Http("/health?deep=1", 200),
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9000)), StandardCharsets.US_ASCII);
        assertThat(request).startsWith("GET /health?deep=1 HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n")
                .contains("\r\nConnection: close\r\n").endsWith("\r\n\r\n");
    }
}
