package io.edgeproxy.benchmarks;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.domain.routing.BackendLoad;
import io.edgeproxy.domain.routing.GeoScoreLoadBalancer;
import io.edgeproxy.domain.routing.Route;
import io.edgeproxy.domain.routing.RoutingService;
import io.edgeproxy.infrastructure.memory.InMemoryBackendRepository;
import io.edgeproxy.infrastructure.memory.InMemoryBindingRepository;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link LoadBalancerBenchmark#routeAndRelease} measured in the thread's CPU time instead of wall
 * time: on a machine shared with other work, time spent waiting for a core does not count. Same
 * fleet, clients and loads as the JMH benchmark; 3 warm-up rounds, then 5 measured rounds, whose
 * min, median and max it prints.
 *
 * <pre>
 * java -cp edgeproxy-benchmarks/target/benchmarks.jar io.edgeproxy.benchmarks.RoutingCpuTime 1000 [custom]
 * </pre>
 * {@code custom}: route with a custom {@code LoadBalancer} delegating to the geo score (the
 * candidate-list path).
 */
public final class RoutingCpuTime {

    private static final String[][] COUNTRIES = {
            {"sa", "BR", "AR", "CL", "CO"},
            {"us", "US", "CA", "MX"},
            {"eu", "DE", "FR", "GB", "NL"},
            {"ap", "JP", "SG", "AU", "IN"},
            {"af", "ZA", "NG", "KE"},
            {"me", "AE", "SA", "IL"},
    };

    private RoutingCpuTime() {
    }

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(args[0]);
        boolean custom = args.length > 1 && args[1].equals("custom");
        Random random = new Random(20240601L);
        List<GeoInfo> places = new ArrayList<>();
        for (String[] region : COUNTRIES) {
            for (int c = 1; c < region.length; c++) {
                places.add(GeoInfo.of(region[c], region[0]));
            }
        }
        List<Backend> backends = new ArrayList<>();
        BackendLoad load = new BackendLoad();
        for (int i = 0; i < size; i++) {
            GeoInfo place = places.get(i % places.size());
            Backend b = Backend.builder(String.format("%s-%04d", place.region(), i)).app("api")
                    .region(place.region()).country(place.country())
                    .address("10." + (i >> 8) + "." + (i & 0xff) + ".1").port(8080)
                    .weight(i % 5 == 0 ? 2 : 1).build();
            backends.add(b);
            int active = 10 + random.nextInt(111);
            for (int n = 0; n < active; n++) {
                load.tryAcquire(b);
            }
        }
        Map<InetAddress, Optional<GeoInfo>> geo = new ConcurrentHashMap<>();
        InetAddress[] clients = new InetAddress[4096];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = InetAddress.getByAddress(new byte[] {100, 64, (byte) (i >> 8), (byte) i});
            geo.put(clients[i], random.nextInt(10) == 0 ? Optional.empty()
                    : Optional.of(places.get(random.nextInt(places.size()))));
        }
        InMemoryBindingRepository bindings = new InMemoryBindingRepository();
        RoutingService.Builder builder = RoutingService.builder().backends(new InMemoryBackendRepository(backends))
                .bindings(bindings).geoResolver(geo::get).localRegion(RegionCode.SA).load(load);
        if (custom) {
            GeoScoreLoadBalancer geoScore = new GeoScoreLoadBalancer();
            builder.loadBalancer(geoScore::choose);
        }
        RoutingService routing = builder.build();

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int ops = size >= 1000 ? 200_000 : 1_000_000;
        List<Double> rounds = new ArrayList<>();
        long sink = 0;
        int next = 0;
        for (int round = 0; round < 8; round++) {
            long start = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < ops; i++) {
                Route route = routing.route(clients[next++ & 4095], Set.of()).orElseThrow();
                route.release();
                bindings.remove(route.client());
                sink += route.backend().port();
            }
            long cpu = threads.getCurrentThreadCpuTime() - start;
            if (round >= 3) {
                rounds.add(cpu / (double) ops);
            }
        }
        Collections.sort(rounds);
        System.out.printf("%s balancer, %d backends: CPU ns per route min %.0f, median %.0f, max %.0f"
                        + " (5 rounds of %d after 3 warm-up rounds)%s%n", custom ? "custom" : "default", size,
                rounds.get(0), rounds.get(2), rounds.get(4), ops, sink == 42 ? " " : "");
    }
}
