package io.edgeproxy.infrastructure.loop;

import java.nio.channels.SelectionKey;

/** What a channel registered with an {@link EventLoop} is attached to: its readiness events go here. */
public interface ChannelHandler {

    /** The key's channel is ready for {@code readyOps}; runs on the owning loop. */
    void onReady(SelectionKey key, int readyOps);

    /** {@link #onReady} threw: release everything this handler holds. Must not throw. */
    void onFailure(Throwable cause);
}
