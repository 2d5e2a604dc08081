package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.proxy.CloseReason;
import io.edgeproxy.infrastructure.proxy.ConnectionListener;
import io.edgeproxy.infrastructure.proxy.ProxiedConnection;
import io.edgeproxy.infrastructure.proxy.RejectReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Tells every {@link ConnectionListener} about an event, one after another, so that none can break
 * a connection or keep the others from hearing it: a listener that throws is logged the first time
 * (with the event and the stack trace) and counted every time.
 */
public final class ConnectionEvents implements ConnectionListener {

    private static final Logger log = LoggerFactory.getLogger(ConnectionEvents.class);

    private final ConnectionListener[] listeners;
    private final AtomicBoolean[] logged;
    private final LongAdder failures = new LongAdder();

    public ConnectionEvents(List<ConnectionListener> listeners) {
        this.listeners = listeners.toArray(new ConnectionListener[0]);
        this.logged = new AtomicBoolean[this.listeners.length];
        for (int i = 0; i < logged.length; i++) {
            logged[i] = new AtomicBoolean();
        }
    }

    /** @return how many times a listener threw, over all listeners */
    public long failures() {
        return failures.sum();
    }

    private void failed(int i, String event, RuntimeException e) {
        failures.increment();
        if (logged[i].compareAndSet(false, true)) {
            log.error("connection listener {} failed on {}; the connection carries on (further failures of this "
                    + "listener are counted, not logged)", listeners[i].getClass().getName(), event, e);
        }
    }

    @Override
    public void onOpened(ProxiedConnection c) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].onOpened(c);
            } catch (RuntimeException e) {
                failed(i, "onOpened", e);
            }
        }
    }

    @Override
    public void onRejected(InetSocketAddress client, ProxiedConnection c, RejectReason reason) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].onRejected(client, c, reason);
            } catch (RuntimeException e) {
                failed(i, "onRejected", e);
            }
        }
    }

    @Override
    public void onRouted(ProxiedConnection c, Backend backend) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].onRouted(c, backend);
            } catch (RuntimeException e) {
                failed(i, "onRouted", e);
            }
        }
    }

    @Override
    public void onConnected(ProxiedConnection c, Backend backend, long connectNanos) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].onConnected(c, backend, connectNanos);
            } catch (RuntimeException e) {
                failed(i, "onConnected", e);
            }
        }
    }

    @Override
    public void onBackendFailed(ProxiedConnection c, Backend backend, Exception cause) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].onBackendFailed(c, backend, cause);
            } catch (RuntimeException e) {
                failed(i, "onBackendFailed", e);
            }
        }
    }

    @Override
    public void onBytes(ProxiedConnection c, Backend backend, long up, long down) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].onBytes(c, backend, up, down);
            } catch (RuntimeException e) {
                failed(i, "onBytes", e);
            }
        }
    }

    @Override
    public void onClosed(ProxiedConnection c, CloseReason reason) {
        for (int i = 0; i < listeners.length; i++) {
            try {
                listeners[i].onClosed(c, reason);
            } catch (RuntimeException e) {
                failed(i, "onClosed", e);
            }
        }
    }
}
