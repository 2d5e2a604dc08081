package io.edgeproxy.infrastructure.health.internal;

/** Receives the outcome of one probe, on the probe loop's thread. */
public interface ProbeCallback {

    /** @param latencyNanos from the start of the probe to the connect (tcp) or the status line (http) */
    void passed(long latencyNanos);

    /** @param error why, in a few words: "connection refused", "timed out after 2000 ms", "HTTP 503, expected 200" */
    void failed(String error);
}
