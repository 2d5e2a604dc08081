package io.edgeproxy.examples;

import io.edgeproxy.infrastructure.net.SocketAddresses;
import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.GeoResolver;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.config.EdgeProxySettings;
import io.edgeproxy.infrastructure.geo.CidrGeoResolver;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo: four HTTP backends on 127.0.0.1, two in region {@code sa} (country BR) and two in
 * {@code eu} (DE), and a proxy in front of them whose {@link CidrGeoResolver} places clients from
 * 127.0.0.0/8 (and ::1) in Brazil, except 127.0.0.2, which it places in Germany. On Linux every
 * 127.x address is a usable source address, so one machine can play clients from two countries:
 *
 * <pre>
 * curl http://127.0.0.1:8080/                          # an sa backend answers
 * curl --interface 127.0.0.2 http://127.0.0.1:8080/    # an eu backend answers
 * </pre>
 *
 * Everything else comes from the {@link EdgeProxySettings} (listen address, region, binding TTL,
 * event loops). {@link #close()} stops the proxy, then the backends.
 */
public final class Demo implements AutoCloseable {

    /** Where the demo's clients are: the longest matching block wins. */
    static final GeoResolver GEO = CidrGeoResolver.builder()
            .add("127.0.0.0/8", "BR")
            .add("::1/128", "BR")
            .add("127.0.0.2/32", "DE")
            .build();

    private final List<DemoBackend> servers;
    private final EdgeProxy proxy;
    private final InetSocketAddress configuredAddress;

    private Demo(List<DemoBackend> servers, EdgeProxy proxy, InetSocketAddress configuredAddress) {
        this.servers = servers;
        this.proxy = proxy;
        this.configuredAddress = configuredAddress;
    }

    /**
     * Starts the backends and the proxy.
     *
     * @throws IOException when a backend cannot start
     * @throws java.io.UncheckedIOException when the proxy cannot listen (naming the address)
     */
    public static Demo start(EdgeProxySettings settings) throws IOException {
        return start(settings, settings.applyTo(EdgeProxy.builder()));
    }

    /**
     * As {@link #start(EdgeProxySettings)}, on a builder the caller prepared (the launcher adds its
     * metrics endpoint); the demo adds its backends and its geo resolver.
     */
    public static Demo start(EdgeProxySettings settings, EdgeProxy.Builder builder) throws IOException {
        List<DemoBackend> servers = new ArrayList<>();
        try {
            servers.add(DemoBackend.start("sa-1", "sa", "BR"));
            servers.add(DemoBackend.start("sa-2", "sa", "BR"));
            servers.add(DemoBackend.start("eu-1", "eu", "DE"));
            servers.add(DemoBackend.start("eu-2", "eu", "DE"));
            List<Backend> backends = new ArrayList<>();
            for (DemoBackend s : servers) {
                backends.add(s.toBackend());
            }
            EdgeProxy proxy = builder
                    .backends(backends)
                    .geoResolver(GEO)
                    .build();
            try {
                proxy.start();
            } catch (RuntimeException e) {
                proxy.close();
                throw e;
            }
            return new Demo(List.copyOf(servers), proxy, settings.listenAddress());
        } catch (IOException | RuntimeException e) {
            servers.forEach(DemoBackend::close);
            throw e;
        }
    }

    /** @return the proxy's address (the real port when started on port 0) */
    public InetSocketAddress proxyAddress() {
        return proxy.localAddress();
    }

    public EdgeProxy proxy() {
        return proxy;
    }

    /** @return the demo backends, as the proxy knows them */
    public List<Backend> backends() {
        return proxy.backends().all();
    }

    /** Prints the backends and the curl lines to try. */
    public void printInstructions(PrintStream out) {
        InetSocketAddress a = proxyAddress();
        InetSocketAddress shownAt = a.getAddress().isAnyLocalAddress()
                ? new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), a.getPort()) : a;
        String url = "http://" + SocketAddresses.format(shownAt) + "/";
        long ttl = proxy.routing().bindingTtl().toSeconds();

        out.println();
        // 0.0.0.0 is reported back as [::] on a dual-stack host; show it as it was asked for.
        InetSocketAddress shown = new InetSocketAddress(configuredAddress.getAddress(), a.getPort());
        out.println("edgeproxy demo: a proxy on " + SocketAddresses.format(shown) + " (region " + proxy.routing().localRegion()
                + ") in front of four HTTP backends:");
        for (Backend b : backends()) {
            out.printf("  %-5s region %s, country %s, on %s:%d%n", b.id(), b.region(), b.country(), b.address(), b.port());
        }
        out.println("Clients from 127.0.0.0/8 are in BR (region sa), except 127.0.0.2, which is in DE (region eu).");
        out.println();
        out.println("Try:");
        printCommands(out,
                "curl " + url, "from 127.0.0.1 (BR): an sa backend answers",
                "curl --interface 127.0.0.2 " + url, "from 127.0.0.2 (DE): an eu backend answers");
        out.println();
        out.println("Affinity: a client sticks to its backend until " + ttl + " s after its last connection");
        out.println("(EDGEPROXY_BINDING_TTL_SECS), even when another backend is less busy:");
        printCommands(out,
                "curl '" + url + "?sleep=10' &", "127.0.0.1 keeps its backend (sa-1) busy for 10 s",
                "curl --interface 127.0.0.3 " + url, "a new client from BR gets the idle sa-2",
                "curl " + url, "127.0.0.1 again: still sa-1, though sa-2 is idle");
        out.println();
        out.println("Press Ctrl+C to stop.");
        out.flush();
    }

    /** Prints pairs of (command, comment) with the comments aligned. */
    private static void printCommands(PrintStream out, String... commandsAndComments) {
        int width = 0;
        for (int i = 0; i < commandsAndComments.length; i += 2) {
            width = Math.max(width, commandsAndComments[i].length());
        }
        for (int i = 0; i < commandsAndComments.length; i += 2) {
            out.printf("  %-" + width + "s   # %s%n", commandsAndComments[i], commandsAndComments[i + 1]);
        }
    }


    /** Stops the proxy, then the backends. Idempotent. */
    @Override
    public void close() {
        proxy.close();
        servers.forEach(DemoBackend::close);
    }
}
