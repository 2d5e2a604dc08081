package io.edgeproxy.examples;

import io.edgeproxy.adapters.postgres.PostgresBackendRepository;
import io.edgeproxy.adapters.postgres.PostgresConfig;
import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.EdgeProxy;

/**
 * Embeds a proxy that routes from PostgreSQL, as {@code docs/postgres.md} shows: connect, create
 * the schema, register this host's backend through the repository's write API, and serve.
 *
 * <pre>
 * java -cp examples/target/edge-proxy.jar io.edgeproxy.examples.PostgresExample \
 *     postgres://edgeproxy:secret@localhost:5432/edgeproxy 127.0.0.1:8080 9000
 * </pre>
 */
public final class PostgresExample {

    private PostgresExample() {
    }

    /**
     * Starts a proxy on {@code listenAddress} over the registry at {@code url} and registers a
     * backend at {@code 127.0.0.1:backendPort}; the caller closes the proxy, then the repository.
     */
    public static EdgeProxy start(PostgresBackendRepository repository, String listenAddress, int backendPort) {
        repository.initialize();
        repository.register(Backend.builder("local-1").app("api").region("sa").country("BR")
                .address("127.0.0.1").port(backendPort).build());
        repository.startSync();
        return EdgeProxy.builder()
                .listenAddress(listenAddress)
                .region("sa")
                .backendRepository(repository)
                .build()
                .start();
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: PostgresExample <postgres url> <listen host:port> <backend port>");
            System.exit(2);
        }
        PostgresBackendRepository repository = new PostgresBackendRepository(PostgresConfig.of(args[0]));
        EdgeProxy proxy = start(repository, args[1], Integer.parseInt(args[2]));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            repository.close();
        }));
        System.out.println("forwarding " + proxy.localAddress() + " to the backends in " + repository
                + "; Ctrl+C to stop");
        Thread.currentThread().join();
    }
}
