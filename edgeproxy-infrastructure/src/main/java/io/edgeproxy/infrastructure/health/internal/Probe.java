package io.edgeproxy.infrastructure.health.internal;

import io.edgeproxy.infrastructure.health.HealthCheckType;
import io.edgeproxy.infrastructure.loop.ChannelHandler;
import io.edgeproxy.infrastructure.loop.ConnectHandler;
import io.edgeproxy.infrastructure.loop.EventLoop;
import io.edgeproxy.infrastructure.loop.LoopTimer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One health probe, a state of a socket on an {@link EventLoop}: connect (a TCP probe passes
 * here), then for HTTP write the request and read the status line ({@link HttpStatusCheck}). The
 * whole probe has one timeout. The callback runs once, on the loop, never from within
 * {@link #start}. Loop thread only.
 */
public final class Probe extends LoopTimer implements ConnectHandler, ChannelHandler {

    private final EventLoop loop;
    private final InetSocketAddress address;
    private final HealthCheckType type;
    private final ProbeCallback callback;
    private long startedAt;
    private long timeoutNanos;
    private SocketChannel channel;
    private SelectionKey key;
    private ByteBuffer request;
    private ByteBuffer response;
    private boolean done;

    public Probe(EventLoop loop, InetSocketAddress address, HealthCheckType type, ProbeCallback callback) {
        this.loop = loop;
        this.address = address;
        this.type = type;
        this.callback = callback;
    }

    /** Starts the probe with a deadline {@code timeoutNanos} from now. Loop thread only. */
    public void start(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
        startedAt = System.nanoTime();
        loop.schedule(this, startedAt + timeoutNanos);
        loop.connect(address, java.time.Duration.ofNanos(timeoutNanos), this);
    }

    /** Abandons the probe: closes its socket, and the callback is never called. Loop thread only. */
    public void cancel() {
        if (!done) {
            done = true;
            cleanup();
        }
    }

    @Override
    public void connected(SocketChannel ch, long connectNanos) {
        if (done) {
            loop.closeSoon(ch); // cancelled or timed out while connecting
            return;
        }
        channel = ch;
        if (!(type instanceof HealthCheckType.Http)) {
            pass();
            return;
        }
        request = ByteBuffer.wrap(HttpStatusCheck.request((HealthCheckType.Http) type, address));
        response = ByteBuffer.allocate(HttpStatusCheck.MAX_STATUS_LINE);
        try {
            key = loop.register(ch, 0, this);
            write();
        } catch (IOException e) {
            fail(describe(e));
        }
    }

    @Override
    public void failed(IOException cause) {
        fail(describe(cause));
    }

    @Override
    public void onReady(SelectionKey k, int readyOps) {
        if (done) {
            return;
        }
        try {
            if ((readyOps & SelectionKey.OP_WRITE) != 0) {
                write();
            }
            if (!done && (readyOps & SelectionKey.OP_READ) != 0) {
                read();
            }
        } catch (IOException e) {
            fail(describe(e));
        }
    }

    @Override
    public void onFailure(Throwable cause) {
        fail("probe error: " + cause);
    }

    @Override
    protected void expire(long now) {
        fail("timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
    }

    @Override
    protected void expireFailed(Throwable cause) {
        cancel();
    }

    private void write() throws IOException {
        channel.write(request);
        key.interestOps(request.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    private void read() throws IOException {
        int n = channel.read(response);
        String line = HttpStatusCheck.statusLine(response);
        if (line != null) {
            String error = HttpStatusCheck.verdict(line, ((HealthCheckType.Http) type).expectedStatus());
            if (error == null) {
                pass();
            } else {
                fail(error);
            }
        } else if (n < 0) {
            fail(response.position() == 0 ? "connection closed without a response"
                    : "connection closed before the end of the status line");
        } else if (!response.hasRemaining()) {
            fail("no status line within " + HttpStatusCheck.MAX_STATUS_LINE + " bytes");
        }
    }

    private void pass() {
        if (!done) {
            done = true;
            cleanup();
            callback.passed(System.nanoTime() - startedAt);
        }
    }

    private void fail(String error) {
        if (!done) {
            done = true;
            cleanup();
            callback.failed(error);
        }
    }

    private void cleanup() {
        loop.cancel(this);
        if (channel != null) {
            loop.closeSoon(channel);
            channel = null;
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.toLowerCase(Locale.ROOT);
    }
}
