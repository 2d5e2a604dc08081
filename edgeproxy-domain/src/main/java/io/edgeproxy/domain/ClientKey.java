package io.edgeproxy.domain;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * The identity of a client for affinity: its IP address in canonical text form, without an IPv6
 * scope. Two connections from the same address share a key whatever their source ports.
 */
public record ClientKey(String value) {

    public ClientKey {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("client key must not be blank");
        }
    }

    /** The key of a client address. Never performs a DNS lookup. */
    public static ClientKey of(InetAddress address) {
        String text = address.getHostAddress();
        if (address instanceof Inet6Address) {
            int scope = text.indexOf('%');
            if (scope >= 0) {
                text = text.substring(0, scope);
            }
        }
        return new ClientKey(text);
    }

    @Override
    public String toString() {
        return value;
    }
}
