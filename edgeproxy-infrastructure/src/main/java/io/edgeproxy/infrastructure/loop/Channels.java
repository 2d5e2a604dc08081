package io.edgeproxy.infrastructure.loop;

import io.edgeproxy.infrastructure.loop.internal.EpollProvider;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;

/** What a few blocking callers need of a socket channel, whichever {@link Transport} made it. */
public final class Channels {

    private Channels() {
    }

    /**
     * Connects {@code channel} to {@code address}, waiting up to {@code timeoutMillis}; the channel
     * is left in blocking mode.
     *
     * @throws java.net.SocketTimeoutException when the time runs out
     */
    public static void connectBlocking(SocketChannel channel, InetSocketAddress address, int timeoutMillis)
            throws IOException {
        if (channel.provider() instanceof EpollProvider) {
            channel.configureBlocking(true);
            EpollProvider.connect(channel, address, timeoutMillis);
        } else {
            channel.configureBlocking(true);
            channel.socket().connect(address, timeoutMillis);
        }
    }

    /** @return whether either direction of {@code channel} was shut down by this process */
    public static boolean isShutDown(SocketChannel channel) {
        if (channel.provider() instanceof EpollProvider) {
            return EpollProvider.isShutdown(channel);
        }
        return channel.socket().isInputShutdown() || channel.socket().isOutputShutdown();
    }
}
