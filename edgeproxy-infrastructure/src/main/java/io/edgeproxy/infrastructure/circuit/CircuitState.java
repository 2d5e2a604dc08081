package io.edgeproxy.infrastructure.circuit;

/** The states of a {@link CircuitBreaker}. */
public enum CircuitState {

    /** Normal operation: every call passes; consecutive failures are counted. */
    CLOSED,

    /** The backend is failing: every call fails fast until the open timeout has elapsed. */
    OPEN,

    /** Testing recovery: a bounded number of trial calls at a time; their results decide. */
    HALF_OPEN
}
