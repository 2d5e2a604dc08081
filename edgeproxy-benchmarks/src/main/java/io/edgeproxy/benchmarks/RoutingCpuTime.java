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

    private RoutingCpuTime() {
    }

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(args[0]);
        boolean custom = args.length > 1 && args[1].equals("custom");
        Random random = new Random(20240601L);
        BackendLoad load = new BackendLoad();
        List<Backend> backends = BenchmarkFleet.backends(size, load, random);
        Map<InetAddress, Optional<GeoInfo>> geo = new ConcurrentHashMap<>();
        InetAddress[] clients = new InetAddress[4096];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = BenchmarkFleet.client(i);
            geo.put(clients[i], BenchmarkFleet.location(random));
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
