package io.edgeproxy.infrastructure.health.internal;

import io.edgeproxy.infrastructure.health.HealthCheckType;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP side of a health probe, apart from any I/O: the request it sends and the verdict on the
 * status line it gets back. An HTTP probe writes one {@code GET} with {@code Host} and
 * {@code Connection: close}, reads until the end of the status line (never more than
 * {@link #MAX_STATUS_LINE} bytes) and compares the status code.
 */
public final class HttpStatusCheck {

    /** The most bytes read from an HTTP response, looking for the end of the status line. */
    public static final int MAX_STATUS_LINE = 4096;

    private HttpStatusCheck() {
    }

    /** @return the request bytes of an HTTP probe: GET, Host (IPv6 in brackets), Connection: close */
    public static byte[] request(HealthCheckType.Http http, InetSocketAddress address) {
        return ("GET " + http.path() + " HTTP/1.1\r\n"
                + "Host: " + hostHeader(address) + "\r\n"
                + "User-Agent: edgeproxy-health-check\r\n"
                + "Accept: */*\r\n"
                + "Connection: close\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** @return {@code 10.0.0.1:8080} or {@code [fd00::1]:8080} (no IPv6 scope); never a DNS lookup */
    public static String hostHeader(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host;
        if (ip == null) {
            host = address.getHostString();
        } else {
            host = ip.getHostAddress();
            int scope = host.indexOf('%');
            if (scope >= 0) {
                host = host.substring(0, scope);
            }
            if (ip instanceof Inet6Address) {
                host = "[" + host + "]";
            }
        }
        return host + ":" + address.getPort();
    }

    /**
     * @param response the bytes read so far, from index 0 to its position
     * @return the first line without its line end, or null while it is incomplete
     */
    public static String statusLine(ByteBuffer response) {
        byte[] a = response.array();
        for (int i = 0; i < response.position(); i++) {
            if (a[i] == '\n') {
                int end = i > 0 && a[i - 1] == '\r' ? i - 1 : i;
                return new String(a, 0, end, StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    /** @return null when {@code line} (e.g. {@code HTTP/1.1 200 OK}) carries the expected status, else why not */
    public static String verdict(String line, int expectedStatus) {
        int sp = line.indexOf(' ');
        if (!line.startsWith("HTTP/") || sp < 0) {
            return "not an HTTP response: \"" + printable(line) + "\"";
        }
        int status = -1;
        if (line.length() >= sp + 4) {
            try {
                status = Integer.parseInt(line.substring(sp + 1, sp + 4));
            } catch (NumberFormatException e) {
                status = -1;
            }
        }
        if (status < 100 || status > 599 || (line.length() > sp + 4 && line.charAt(sp + 4) != ' ')) {
            return "malformed status line: \"" + printable(line) + "\"";
        }
        return status == expectedStatus ? null : "HTTP " + status + ", expected " + expectedStatus;
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < 60; i++) {
            char c = s.charAt(i);
            out.append(c >= ' ' && c < 0x7F ? c : '?');
        }
        return out.toString();
    }
}
