package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.Backend;

import java.time.Duration;

/**
 * Guards each connect attempt to a backend and hears its outcome: the circuit breakers implement
 * it. Before an attempt the engine asks {@link #tryAcquire}; a granted {@link Permit} then gets
 * exactly one of {@link Permit#onSuccess()}, {@link Permit#onFailure()} or {@link Permit#release()}.
 *
 * <p>The engine's verdict rules: a connect refused or timed out, or the backend socket failing
 * before the backend's first byte, is a failure; so is a client's request left unanswered for the
 * backend response timeout, when one is set. The backend's first byte, or the connection standing
 * for {@link #VERDICT_WINDOW} without failing, is a success. An attempt that ends for a reason that
 * says nothing about the backend (a client error, an idle timeout, a shutdown, the proxy's own
 * error, a stale warm spare, a backend that hung up without sending a byte) is released without a
 * verdict.
 *
 * <p>Called on event loops: implementations must not block.
 */
public interface BackendGate {

    /**
     * An established connection that has neither failed nor sent a byte after this long is
     * reported as a success: 1 second.
     */
    Duration VERDICT_WINDOW = Duration.ofSeconds(1);

    /** Lets every attempt through and ignores outcomes. */
    BackendGate OPEN = backend -> Permit.NONE;

    /**
     * @return a permit for one attempt on this backend, or {@link Permit#DENIED} when it must not be
     *         tried now (the engine then routes to the next candidate)
     */
    Permit tryAcquire(Backend backend);

    /** The right to make one attempt; settled exactly once. */
    interface Permit {

        /** Returned by {@link #tryAcquire} to refuse an attempt. Never settled. */
        Permit DENIED = new Permit() {
        };

        /** A granted permit that nothing listens to. */
        Permit NONE = new Permit() {
        };

        /** The attempt succeeded. */
        default void onSuccess() {
        }

        /** The attempt failed because of the backend. */
        default void onFailure() {
        }

        /** The attempt ended without saying anything about the backend. */
        default void release() {
        }
    }
}
