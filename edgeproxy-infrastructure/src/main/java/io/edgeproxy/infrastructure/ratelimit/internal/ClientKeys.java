package io.edgeproxy.infrastructure.ratelimit.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Turns a client address into a compact 128-bit key without allocating for IPv4.
 *
 * <p>The key is the address in IPv6 form: an IPv4 address {@code a.b.c.d} is
 * {@code ::ffff:a.b.c.d} (the IPv4-mapped form, which the JDK never hands out as an
 * {@code Inet6Address}, so it cannot collide with a real IPv6 client); an IPv6 address is cut to
 * its first {@code prefixLength} bits, its scope dropped.
 */
public final class ClientKeys {

    private static final long IPV4_MAPPED = 0xFFFF_0000_0000L;

    /**
     * {@code Inet4Address.hashCode()} has been the address itself in every JDK so far; it saves the
     * array {@code getAddress()} allocates. Checked once here, with a fallback should that change.
     */
    private static final boolean IPV4_HASH_IS_ADDRESS = ipv4HashIsAddress();

    private ClientKeys() {
    }

    /** @return the high 64 bits of the key of an IPv4 address: always 0 */
    public static long ipv4High() {
        return 0L;
    }

    /** @return the low 64 bits of the key of an IPv4 address */
    public static long ipv4Low(Inet4Address address) {
        int bits = IPV4_HASH_IS_ADDRESS ? address.hashCode() : toInt(address.getAddress());
        return IPV4_MAPPED | (bits & 0xFFFF_FFFFL);
    }

    /** @return the high 64 bits of an IPv6 address cut to {@code prefixLength} (1..128) bits */
    public static long ipv6High(byte[] address16, int prefixLength) {
        long hi = toLong(address16, 0);
        return prefixLength >= 64 ? hi : hi & (-1L << (64 - prefixLength));
    }

    /** @return the low 64 bits of an IPv6 address cut to {@code prefixLength} (1..128) bits */
    public static long ipv6Low(byte[] address16, int prefixLength) {
        if (prefixLength <= 64) {
            return 0L;
        }
        long lo = toLong(address16, 8);
        return prefixLength == 128 ? lo : lo & (-1L << (128 - prefixLength));
    }

    private static long toLong(byte[] b, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }

    private static int toInt(byte[] b) {
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    private static boolean ipv4HashIsAddress() {
        try {
            byte[][] samples = {{(byte) 192, 0, 2, (byte) 129}, {10, 50, 1, 1}, {(byte) 255, (byte) 254, 0, 7}};
            for (byte[] s : samples) {
                if (InetAddress.getByAddress(s).hashCode() != toInt(s)) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
