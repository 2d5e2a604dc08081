package io.edgeproxy.infrastructure.testing;

import io.edgeproxy.domain.Backend;

/** Backends for tests. */
public final class TestBackends {

    private TestBackends() {
    }

    /** A backend on 127.0.0.1 in region sa, country BR. */
    public static Backend local(String id, int port) {
        return Backend.builder(id).app("api").region("sa").country("BR").address("127.0.0.1").port(port).build();
    }
}
