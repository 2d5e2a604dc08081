/**
 * The domain of edgeproxy: backends and value objects, the ports, and the routing use case with its
 * geo-scoring load balancer. Pure JDK: it requires nothing.
 */
module io.edgeproxy.domain {
    exports io.edgeproxy.domain;
    exports io.edgeproxy.domain.port;
    exports io.edgeproxy.domain.routing;
}
