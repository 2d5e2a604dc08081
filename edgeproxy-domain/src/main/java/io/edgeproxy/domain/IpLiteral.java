package io.edgeproxy.domain;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Parses IPv4 and IPv6 address literals without ever consulting DNS, so a backend address can be
 * turned into a socket address on an event loop.
 *
 * <p>IPv4 is strict dotted-quad decimal: four parts of 0 to 255, no leading zeros ({@code 010.0.0.1}
 * means 8.0.0.1 to {@code inet_aton} and 10.0.0.1 elsewhere, so it is refused rather than guessed).
 * IPv6 is any form the JDK accepts, optionally in brackets and with a scope; brackets hold IPv6 only.
 */
public final class IpLiteral {

    private IpLiteral() {
    }

    /**
     * @param text a dotted-quad IPv4 address such as {@code 10.50.1.1}, or an IPv6 address such as
     *             {@code fd00::1} (brackets allowed)
     * @return the address
     * @throws IllegalArgumentException when {@code text} is not an IP literal (host names are refused)
     */
    public static InetAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("address must be an IP literal, but was blank");
        }
        String t = text.trim();
        boolean bracketed = t.startsWith("[") && t.endsWith("]");
        if (bracketed) {
            t = t.substring(1, t.length() - 1);
        }
        try {
            if (t.indexOf(':') >= 0) {
                // InetAddress.getByName only parses a text made of hex digits, ':' and '.' (plus a
                // scope): anything else, such as "db:5432", it would hand to the name service.
                if (isIpv6Text(t)) {
                    return InetAddress.getByName(t);
                }
            } else if (!bracketed) {
                byte[] bytes = parseIpv4(t);
                if (bytes != null) {
                    return InetAddress.getByAddress(bytes);
                }
            }
        } catch (UnknownHostException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("address must be an IPv4 or IPv6 literal, but was \"" + text + "\"");
    }

    /** @return whether {@code text} is an IPv4 or IPv6 literal */
    public static boolean isLiteral(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean isIpv6Text(String t) {
        int end = t.indexOf('%');
        if (end < 0) {
            end = t.length();
        }
        if (end == 0) {
            return false;
        }
        for (int i = 0; i < end; i++) {
            char c = t.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
                    || c == ':' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static byte[] parseIpv4(String t) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i <= t.length(); i++) {
            char c = i < t.length() ? t.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                if (value == 0) {
                    return null; // a leading zero
                }
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else if (c == '.') {
                if (value < 0 || part == 4) {
                    return null;
                }
                out[part++] = (byte) value;
                value = -1;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }
}
