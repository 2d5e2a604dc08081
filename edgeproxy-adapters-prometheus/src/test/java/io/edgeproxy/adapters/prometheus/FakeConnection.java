package io.edgeproxy.adapters.prometheus;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.proxy.ProxiedConnection;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/** A connection for driving the listener by hand, as the engine would. */
final class FakeConnection implements ProxiedConnection {

    private static final AtomicLong IDS = new AtomicLong(1000);

    private final long id = IDS.incrementAndGet();
    private final long openedAt = System.nanoTime();
    Backend backend;
    long up;
    long down;
    int attempts;

    @Override
    public long id() {
        return id;
    }

    @Override
    public InetSocketAddress client() {
        return new InetSocketAddress("127.0.0.1", 40000);
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public long bytesUp() {
        return up;
    }

    @Override
    public long bytesDown() {
        return down;
    }

    @Override
    public long openedAtNanos() {
        return openedAt;
    }

    @Override
    public int attempts() {
        return attempts;
    }
}
