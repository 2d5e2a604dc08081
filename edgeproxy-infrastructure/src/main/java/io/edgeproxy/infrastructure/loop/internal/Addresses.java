package io.edgeproxy.infrastructure.loop.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.Arrays;

/** Socket addresses to and from the byte layout of {@link Native}. */
final class Addresses {

    /** {@link Native#accept} and {@link Native#localAddress} write at most this many bytes. */
    static final int LAYOUT_BYTES = 19;

    private Addresses() {
    }

    /** @return {@code address} as a resolved {@link InetSocketAddress}, or the exception the channel API names */
    static InetSocketAddress check(SocketAddress address) {
        if (address == null) {
            throw new NullPointerException("address");
        }
        if (!(address instanceof InetSocketAddress)) {
            throw new UnsupportedAddressTypeException();
        }
        InetSocketAddress isa = (InetSocketAddress) address;
        if (isa.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        return isa;
    }

    /** The wildcard address of a socket's family, with {@code port}: what binding to null means. */
    static InetSocketAddress wildcard(boolean ipv6, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[ipv6 ? 16 : 4]), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isIpv6(InetAddress address) {
        return address instanceof Inet6Address;
    }

    /** Reads the {@link Native#accept} layout: length, port (big-endian), address bytes. */
    static InetSocketAddress decode(byte[] layout) {
        int length = layout[0];
        int port = ((layout[1] & 0xff) << 8) | (layout[2] & 0xff);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(layout, 3, 3 + length)), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("native address of " + length + " bytes", e);
        }
    }
}
