package io.edgeproxy.examples;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.proxy.ProxyConfig;

import java.time.Duration;
import java.util.List;

/**
 * The README's embedding example, compiled and run by a test so it never drifts from the API.
 * Forwards {@code 127.0.0.1:<listenPort>} to two backends in two regions.
 */
public final class EmbeddingExample {

    private EmbeddingExample() {
    }

    /** Starts the proxy of the README; the caller closes it. */
    public static EdgeProxy start(String listenAddress, int saPort, int euPort) {
        // README:begin
        EdgeProxy proxy = EdgeProxy.builder()
                .listenAddress(listenAddress)
                .region("sa")
                .backends(List.of(
                        Backend.builder("sa-1").app("api").region("sa").country("BR")
                                .address("127.0.0.1").port(saPort).build(),
                        Backend.builder("eu-1").app("api").region("eu").country("DE")
                                .address("127.0.0.1").port(euPort).weight(2).build()))
                .config(ProxyConfig.builder().connectTimeout(Duration.ofSeconds(2)).build())
                .build()
                .start();
        // README:end
        return proxy;
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: EmbeddingExample <listen host:port> <sa backend port> <eu backend port>");
            System.exit(2);
        }
        EdgeProxy proxy = start(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        Runtime.getRuntime().addShutdownHook(new Thread(proxy::close));
        System.out.println("forwarding " + proxy.localAddress() + "; Ctrl+C to stop");
        Thread.currentThread().join();
    }
}
