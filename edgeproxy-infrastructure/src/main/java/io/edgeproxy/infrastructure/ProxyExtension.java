package io.edgeproxy.infrastructure;

/**
 * Something that runs beside a proxy and shares its lifecycle: a metrics endpoint, an admin API.
 * Added with {@link EdgeProxy.Builder#extension(ProxyExtension)}; {@link #start} runs once the proxy
 * listens (it may subscribe to the proxy's components then), {@link #close()} runs when the proxy
 * closes, after its listeners are closed. An extension that fails to start stops the proxy's start.
 */
public interface ProxyExtension extends AutoCloseable {

    /** The proxy is listening: start serving. */
    void start(EdgeProxy proxy) throws Exception;

    /** The proxy closes: stop and release everything. Must not throw. */
    @Override
    default void close() {
    }
}
