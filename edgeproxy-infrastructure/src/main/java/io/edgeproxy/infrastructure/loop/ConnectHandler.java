package io.edgeproxy.infrastructure.loop;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/** Hears the outcome of {@link EventLoop#connect}: exactly one call, on the loop, never from within {@code connect}. */
public interface ConnectHandler {

    /**
     * The connect completed. The channel is non-blocking, has {@code TCP_NODELAY} set, and is
     * registered with the loop with no interest and no handler: {@link EventLoop#register} it to
     * read or write, or {@link EventLoop#deregister} it to hand it elsewhere. It is now the
     * handler's to close.
     *
     * @param connectNanos how long the connect took
     */
    void connected(SocketChannel channel, long connectNanos);

    /** The connect failed or timed out; the channel is already closed. */
    void failed(IOException cause);
}
