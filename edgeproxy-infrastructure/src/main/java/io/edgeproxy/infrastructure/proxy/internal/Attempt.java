package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.routing.Route;
import io.edgeproxy.infrastructure.proxy.BackendGate;

/**
 * One try at one backend: its route (with the load count it holds), the gate's permit, and the
 * rule that the permit is settled exactly once. A connection reuses one {@code Attempt} for all its
 * tries. Confined to the connection's loop.
 */
final class Attempt {

    private Route route;
    private BackendGate.Permit permit;
    /** The backend socket came warm from the pool: its early errors are the pool's staleness, not the backend's. */
    boolean warm;
    /** The backend sent its first byte. */
    boolean backendAnswered;
    long connectStartNanos;
    long verdictDeadlineNanos;

    void begin(Route route, BackendGate.Permit permit) {
        this.route = route;
        this.permit = permit == BackendGate.Permit.NONE ? null : permit; // nothing to settle without a gate
        this.warm = false;
        this.backendAnswered = false;
    }

    boolean active() {
        return route != null;
    }

    Route route() {
        return route;
    }

    Backend backend() {
        return route.backend();
    }

    /** @return whether the permit still waits for its verdict */
    boolean awaitingVerdict() {
        return permit != null;
    }

    /** Settles the permit with a verdict; nothing when it was settled already. */
    void verdict(boolean success) {
        BackendGate.Permit p = permit;
        if (p != null) {
            permit = null;
            if (success) {
                p.onSuccess();
            } else {
                p.onFailure();
            }
        }
    }

    /** Gives the permit back without a verdict; nothing when it was settled already. */
    void releasePermit() {
        BackendGate.Permit p = permit;
        if (p != null) {
            permit = null;
            p.release();
        }
    }

    /** Ends the attempt: gives back the route's load count (the permit must be settled first). */
    void end() {
        Route r = route;
        route = null;
        if (r != null) {
            r.release();
        }
    }
}
