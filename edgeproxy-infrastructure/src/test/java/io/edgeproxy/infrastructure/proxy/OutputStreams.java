package io.edgeproxy.infrastructure.proxy;

import java.io.OutputStream;

/** Output streams for tests. */
final class OutputStreams {

    /** Discards everything: computes a {@link Streams.Digest} without sending it anywhere. */
    static final OutputStream NULL = OutputStream.nullOutputStream();

    private OutputStreams() {
    }
}
