package io.edgeproxy.infrastructure.proxy;

import java.net.InetAddress;

/**
 * Decides at accept, before any routing, whether a client may connect at all: the rate limiter, the
 * connection cap and the shutdown drain implement it, and so can an application (an allow list,
 * say). Called on an event loop for every new client: it must answer from memory, without blocking.
 * Several admissions are asked in the order they were added; the first that says no wins and its
 * {@link #rejectReason()} is reported.
 */
@FunctionalInterface
public interface ClientAdmission {

    /** Admits everyone. */
    ClientAdmission ALWAYS = client -> true;

    /** @return whether this client may open a connection now */
    boolean admit(InetAddress client);

    /** @return the reason reported when {@link #admit} says no; defaults to {@link RejectReason#REFUSED} */
    default RejectReason rejectReason() {
        return RejectReason.REFUSED;
    }
}
