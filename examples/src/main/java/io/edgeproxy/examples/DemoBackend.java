package io.edgeproxy.examples;

import io.edgeproxy.infrastructure.net.SocketAddresses;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.edgeproxy.domain.Backend;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny HTTP server standing in for one backend of the demo, on an ephemeral port of 127.0.0.1.
 * Every answer says which backend served it and from which address the connection reached it:
 *
 * <pre>
 * backend sa-1 (region sa, country BR) on 127.0.0.1:40001 answered GET /
 * connection seen from 127.0.0.1:53624 (the proxy: at L4 a backend sees the proxy's address, not the client's)
 * </pre>
 *
 * {@code ?sleep=N} (1 to 60) holds the answer N seconds, to keep the backend busy while other
 * clients connect: that is how the demo shows affinity beating load.
 */
final class DemoBackend implements AutoCloseable {

    static final int MAX_SLEEP_SECONDS = 60;

    private final String id;
    private final String region;
    private final String country;
    private final HttpServer server;
    private final ExecutorService executor;

    private DemoBackend(String id, String region, String country, HttpServer server, ExecutorService executor) {
        this.id = id;
        this.region = region;
        this.country = country;
        this.server = server;
        this.executor = executor;
    }

    /** Starts a backend on {@code 127.0.0.1} and an ephemeral port. */
    static DemoBackend start(String id, String region, String country) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        AtomicInteger threads = new AtomicInteger();
        // Not the default single dispatcher thread: a ?sleep request must not hold up the others.
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "demo-" + id + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        DemoBackend backend = new DemoBackend(id, region, country, server, executor);
        server.createContext("/", backend::handle);
        server.start();
        return backend;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            int sleep = sleepSeconds(exchange.getRequestURI());
            if (sleep < 0) {
                respond(exchange, 400, "sleep must be a whole number of seconds from 1 to " + MAX_SLEEP_SECONDS + "\n");
                return;
            }
            if (sleep > 0) {
                try {
                    Thread.sleep(TimeUnit.SECONDS.toMillis(sleep));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            InetSocketAddress peer = exchange.getRemoteAddress();
            String body = "backend " + id + " (region " + region + ", country " + country + ") on "
                    + SocketAddresses.format(address()) + " answered " + exchange.getRequestMethod() + " "
                    + exchange.getRequestURI() + (sleep > 0 ? " after " + sleep + " s" : "") + "\n"
                    + "connection seen from " + SocketAddresses.format(peer)
                    + " (the proxy: at L4 a backend sees the proxy's address, not the client's)\n";
            respond(exchange, 200, body);
        } finally {
            exchange.close();
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** @return the seconds asked for with {@code ?sleep=N}, 0 when not asked, -1 when invalid */
    static int sleepSeconds(URI uri) {
        String query = uri.getRawQuery();
        if (query == null) {
            return 0;
        }
        for (String part : query.split("&")) {
            if (part.startsWith("sleep=")) {
                String v = part.substring("sleep=".length());
                if (v.isEmpty() || v.length() > 2 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    return -1;
                }
                int n = Integer.parseInt(v);
                return n >= 1 && n <= MAX_SLEEP_SECONDS ? n : -1;
            }
        }
        return 0;
    }


    String id() {
        return id;
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    /** @return this server as a backend of the proxy */
    Backend toBackend() {
        return Backend.builder(id).app("demo").region(region).country(country)
                .address(address().getAddress().getHostAddress()).port(address().getPort()).build();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
