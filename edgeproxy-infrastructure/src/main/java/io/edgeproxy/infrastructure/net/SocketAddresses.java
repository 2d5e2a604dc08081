package io.edgeproxy.infrastructure.net;

import io.edgeproxy.domain.IpLiteral;

import java.net.InetSocketAddress;

/** Parses listen addresses written as {@code host:port}, {@code [ipv6]:port} or {@code :port}. */
public final class SocketAddresses {

    private SocketAddresses() {
    }

    /**
     * @param text for example {@code 0.0.0.0:8080}, {@code [::1]:8080}, {@code localhost:8080} or
     *             {@code :8080} (all interfaces). Port 0 picks a free port.
     * @return the address; an IP literal is never looked up, a host name is resolved now
     * @throws IllegalArgumentException naming the text when it is not such an address
     */
    public static InetSocketAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("address must be host:port, but was blank");
        }
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("address must be host:port, but was \"" + text + "\"");
        }
        String host = t.substring(0, colon);
        String portText = t.substring(colon + 1);
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address port must be a number, but was \"" + text + "\"");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("address port must be between 0 and 65535, but was \"" + text + "\"");
        }
        if (host.isEmpty()) {
            return new InetSocketAddress(port);
        }
        if (host.startsWith("[") != host.endsWith("]")) {
            throw new IllegalArgumentException("address has unbalanced brackets: \"" + text + "\"");
        }
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            throw new IllegalArgumentException("an IPv6 address must be in brackets, as [::1]:8080, but was \"" + text + "\"");
        }
        if (IpLiteral.isLiteral(host)) {
            return new InetSocketAddress(IpLiteral.parse(host), port);
        }
        InetSocketAddress resolved = new InetSocketAddress(host, port);
        if (resolved.isUnresolved()) {
            throw new IllegalArgumentException("address host \"" + host + "\" does not resolve (in \"" + text + "\")");
        }
        return resolved;
    }

    /** @return {@code host:port} with IPv6 hosts in brackets */
    public static String format(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
