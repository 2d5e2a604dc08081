package io.edgeproxy.infrastructure.proxy.internal;

import java.nio.channels.SelectionKey;

/** What a {@link SelectionKey} of an event loop is attached to. */
interface IoHandler {

    /** The key's channel is ready for {@code readyOps}; runs on the owning loop. */
    void onReady(SelectionKey key, int readyOps);

    /** {@link #onReady} threw: release everything this handler holds. Must not throw. */
    void onFailure(Throwable cause);
}
