/**
 * The edgeproxy runtime: the NIO engine and its public seams, the resilience components, the
 * in-memory adapters and the configuration. The {@code internal} packages are the machinery and are
 * not exported.
 */
module io.edgeproxy.infrastructure {
    requires transitive io.edgeproxy.domain;
    requires org.slf4j;
    requires jdk.management;
    requires jdk.unsupported;

    exports io.edgeproxy.infrastructure;
    exports io.edgeproxy.infrastructure.circuit;
    exports io.edgeproxy.infrastructure.config;
    exports io.edgeproxy.infrastructure.geo;
    exports io.edgeproxy.infrastructure.health;
    exports io.edgeproxy.infrastructure.loop;
    exports io.edgeproxy.infrastructure.memory;
    exports io.edgeproxy.infrastructure.net;
    exports io.edgeproxy.infrastructure.pool;
    exports io.edgeproxy.infrastructure.proxy;
    exports io.edgeproxy.infrastructure.ratelimit;
    exports io.edgeproxy.infrastructure.shutdown;
}
