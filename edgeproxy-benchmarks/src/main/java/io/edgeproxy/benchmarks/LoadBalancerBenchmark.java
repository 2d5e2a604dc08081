package io.edgeproxy.benchmarks;

import io.edgeproxy.domain.Backend;

import io.edgeproxy.domain.ClientKey;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.RegionCode;


import io.edgeproxy.domain.port.GeoResolver;
import io.edgeproxy.domain.port.LoadBalancer;
import io.edgeproxy.domain.port.RoutingContext;
import io.edgeproxy.domain.routing.BackendLoad;
import io.edgeproxy.domain.routing.GeoScoreLoadBalancer;
import io.edgeproxy.domain.routing.Route;
import io.edgeproxy.domain.routing.RoutingService;
import io.edgeproxy.infrastructure.memory.InMemoryBackendRepository;
import io.edgeproxy.infrastructure.memory.InMemoryBindingRepository;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.net.UnknownHostException;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;



/**
 * The cost of placing one new client: {@link GeoScoreLoadBalancer#choose} alone, and the whole
 * {@link RoutingService#route} use case (binding lookup, candidate filter, geo resolution, choice,
 * {@code tryAcquire}, binding save) followed by {@link Route#release()}: with the default
 * {@link GeoScoreLoadBalancer} (which the use case runs over its per-version index, no candidate
 * list) and with a custom {@link LoadBalancer} that delegates to it (the generic path: a filtered
 * candidate list per new client).
 *
 * <p>Backends are spread over the six regions and 22 countries with loads between 10 and 120
 * active connections (soft limit 100, hard limit 150) and every fifth backend at weight 2. Each
 * operation takes the next of 4096 precomputed clients from those countries (one in ten of unknown
 * location), so no client arrives with a binding: the {@code route} benchmark removes the binding it
 * just made, standing in for the binding garbage collector.
 *
 * <pre>
 * java -jar edgeproxy-benchmarks/target/benchmarks.jar LoadBalancerBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class LoadBalancerBenchmark {

    private static final int CLIENTS = 4096; // a power of two
    private static final int MASK = CLIENTS - 1;

    @Param({"10", "100", "1000"})
    int backends;

    private final GeoScoreLoadBalancer balancer = new GeoScoreLoadBalancer();
    private List<Backend> candidates;
    private RoutingContext[] contexts;
    private InetAddress[] clients;
    private RoutingService routing;
    private RoutingService customRouting;
    private InMemoryBindingRepository bindings;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws UnknownHostException {
        Random random = new Random(20240601L);
        BackendLoad load = new BackendLoad();
        candidates = BenchmarkFleet.backends(backends, load, random);

        Map<InetAddress, Optional<GeoInfo>> geoByClient = new ConcurrentHashMap<>();
        clients = new InetAddress[CLIENTS];
        contexts = new RoutingContext[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            clients[i] = BenchmarkFleet.client(i);
            Optional<GeoInfo> geo = BenchmarkFleet.location(random);
            geoByClient.put(clients[i], geo);
            contexts[i] = new RoutingContext(ClientKey.of(clients[i]), geo, RegionCode.SA, load);
        }

        bindings = new InMemoryBindingRepository();
        GeoResolver geoResolver = geoByClient::get;
        routing = RoutingService.builder()
                .backends(new InMemoryBackendRepository(candidates))
                .bindings(bindings)
                .geoResolver(geoResolver)
                .localRegion(RegionCode.SA)
                .load(load)
                .build();
        LoadBalancer custom = balancer::choose; // not recognised as the geo score: the list path
        customRouting = RoutingService.builder()
                .backends(new InMemoryBackendRepository(candidates))
                .bindings(bindings)
                .geoResolver(geoResolver)
                .localRegion(RegionCode.SA)
                .loadBalancer(custom)
                .load(load)
                .build();
    }

    @Benchmark
    public Backend choose() {
        return balancer.choose(candidates, contexts[next++ & MASK]);
    }

    @Benchmark
    public Route routeAndRelease() {
        Route route = routing.route(clients[next++ & MASK], Set.of()).orElseThrow();
        route.release();
        bindings.remove(route.client());
        return route;
    }

    @Benchmark
    public Route routeAndReleaseCustomBalancer() {
        Route route = customRouting.route(clients[next++ & MASK], Set.of()).orElseThrow();
        route.release();
        bindings.remove(route.client());
        return route;
    }
}
