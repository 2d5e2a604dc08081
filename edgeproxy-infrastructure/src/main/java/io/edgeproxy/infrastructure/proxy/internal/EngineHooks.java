package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.domain.Backend;

import java.net.InetAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * The points where the resilience components act on every connection: admission at accept (rate
 * limiting), a gate around each backend attempt (circuit breaking) and warm backend connections
 * (pooling). Every hook is called on an event loop and must not block. The defaults do nothing.
 *
 * @param admission decides at accept whether a client may connect at all
 * @param gate      guards each connect attempt to a backend and hears its outcome
 * @param warm      hands out already-connected backend channels
 */
public record EngineHooks(ClientAdmission admission, BackendGate gate, WarmConnections warm) {

    public static EngineHooks none() {
        return new EngineHooks(client -> true, BackendGate.OPEN, backend -> null);
    }

    /** Rate limiting at accept. */
    @FunctionalInterface
    public interface ClientAdmission {
        /** @return whether this client may open a connection now */
        boolean admit(InetAddress client);
    }

    /** Circuit breaking around backend attempts. */
    public interface BackendGate {

        /**
         * An established connection that has neither failed nor sent a byte after this long is
         * reported as a success: 1 second.
         */
        Duration VERDICT_WINDOW = Duration.ofSeconds(1);

        BackendGate OPEN = new BackendGate() {
            @Override
            public boolean tryAcquire(Backend backend) {
                return true;
            }

            @Override
            public void onSuccess(Backend backend) {
            }

            @Override
            public void onFailure(Backend backend) {
            }

            @Override
            public void release(Backend backend) {
            }
        };

        /** @return whether an attempt on this backend may start (may take a half-open trial) */
        boolean tryAcquire(Backend backend);

        /** The attempt that {@link #tryAcquire} allowed succeeded. */
        void onSuccess(Backend backend);

        /** The attempt that {@link #tryAcquire} allowed failed (refused, timed out, reset before the first byte). */
        void onFailure(Backend backend);

        /** The attempt that {@link #tryAcquire} allowed ended without saying anything about the backend. */
        void release(Backend backend);
    }

    /** Warm, already-connected backend connections. */
    @FunctionalInterface
    public interface WarmConnections {
        /**
         * @return a connected channel to this backend in non-blocking mode, registered with no
         *         selector, that the caller now owns; or null when there is none at hand
         */
        SocketChannel take(Backend backend);
    }
}
