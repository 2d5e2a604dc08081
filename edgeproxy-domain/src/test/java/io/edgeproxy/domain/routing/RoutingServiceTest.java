package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.Binding;
import io.edgeproxy.domain.ClientKey;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.domain.port.LoadBalancer;
import io.edgeproxy.domain.testing.Concurrently;
import io.edgeproxy.domain.testing.FakeTicker;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class RoutingServiceTest {

    private static final Duration TTL = RoutingService.DEFAULT_BINDING_TTL;

    private final FakeTicker ticker = new FakeTicker();
    private final TestBindingRepository bindings = new TestBindingRepository();
    private final Set<String> unavailable = ConcurrentHashMap.newKeySet();

    private static Backend.Builder backend(String id) {
        return Backend.builder(id).app("api").region("sa").country("BR").address("10.0.0.1").port(8080);
    }

    private static InetAddress client(int n) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) 203, 0, (byte) (n >> 8), (byte) n});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static final InetAddress CLIENT = client(7);
    private static final ClientKey CLIENT_KEY = ClientKey.of(CLIENT);

    private RoutingService.Builder service(TestBackendRepository backends) {
        return RoutingService.builder().backends(backends).bindings(bindings).ticker(ticker)
                .availability(b -> !unavailable.contains(b.id()));
    }

    private Route route(RoutingService routing) {
        return routing.route(CLIENT, Set.of()).orElseThrow();
    }

    /** Makes {@code id} look busy to the load balancer, so only affinity can send a client there. */
    private static void occupy(RoutingService routing, Backend b, int connections) {
        for (int i = 0; i < connections; i++) {
            assertThat(routing.load().tryAcquire(b)).isTrue();
        }
    }

    @Test
    void bindsANewClientToTheLoadBalancersChoice() {
        Backend a = backend("a").build();
        Backend b = backend("b").build();
        RoutingService routing = service(new TestBackendRepository(a, b)).build();
        occupy(routing, a, 1);

        Route route = route(routing);

        assertThat(route.backend()).isEqualTo(b);
        assertThat(route.sticky()).isFalse();
        assertThat(route.client()).isEqualTo(CLIENT_KEY);
        assertThat(bindings.find(CLIENT_KEY)).contains(new Binding(CLIENT_KEY, "b", ticker.nanoTime(), ticker.nanoTime()));
    }

    @Test
    void countsTheRoutedConnectionUntilItIsReleased() {
        Backend a = backend("a").build();
        RoutingService routing = service(new TestBackendRepository(a)).build();

        Route route = route(routing);
        assertThat(routing.load().active("a")).isEqualTo(1);

        route.release();
        route.release();
        assertThat(routing.load().active("a")).isZero();
    }

    @Test
    void usesTheGeoResolverAndTheLocalRegion() {
        Backend brazil = backend("br").build();
        Backend germany = backend("de").region("eu").country("DE").build();
        Backend japan = backend("jp").region("ap").country("JP").build();
        TestBackendRepository backends = new TestBackendRepository(brazil, germany, japan);

        RoutingService fromGermany = service(backends).geoResolver(c -> Optional.of(GeoInfo.of("DE", "eu"))).build();
        assertThat(route(fromGermany).backend()).isEqualTo(germany);

        bindings.remove(CLIENT_KEY);
        RoutingService unknownInJapan = service(backends).localRegion(RegionCode.AP).build();
        assertThat(route(unknownInJapan).backend()).isEqualTo(japan);
        assertThat(unknownInJapan.localRegion()).isEqualTo(RegionCode.AP);
    }

    @Test
    void sendsABoundClientBackEvenWhenAnotherBackendIsNowBetter() {
        Backend a = backend("a").build();
        Backend b = backend("b").build();
        RoutingService routing = service(new TestBackendRepository(a, b)).build();
        route(routing).release(); // a: the tie goes to the smaller id
        occupy(routing, a, 50);

        Route again = route(routing);

        assertThat(again.backend()).isEqualTo(a);
        assertThat(again.sticky()).isTrue();
        assertThat(routing.load().active("a")).isEqualTo(51);
    }

    @Test
    void keepsABindingAliveAsLongAsItIsUsed() {
        Backend a = backend("a").build();
        Backend b = backend("b").build();
        RoutingService routing = service(new TestBackendRepository(a, b)).build();
        long created = ticker.nanoTime();
        route(routing).release();
        occupy(routing, a, 50);

        for (int i = 0; i < 5; i++) {
            ticker.advance(TTL.minusSeconds(1));
            assertThat(route(routing).sticky()).as("use %d", i).isTrue();
        }

        assertThat(bindings.find(CLIENT_KEY).orElseThrow())
                .isEqualTo(new Binding(CLIENT_KEY, "a", created, ticker.nanoTime()));
    }

    @Test
    void usesABindingUpToItsTtlByDefaultSixHundredSeconds() {
        Backend a = backend("a").build();
        Backend b = backend("b").build();
        RoutingService routing = service(new TestBackendRepository(a, b)).build();
        route(routing).release();
        occupy(routing, a, 50);

        ticker.advance(Duration.ofSeconds(600));

        assertThat(routing.bindingTtl()).isEqualTo(Duration.ofSeconds(600));
        assertThat(route(routing).backend()).isEqualTo(a);
    }

    @Test
    void neverUsesAnExpiredBindingEvenBeforeItIsCollected() {
        Backend a = backend("a").build();
        Backend b = backend("b").build();
        RoutingService routing = service(new TestBackendRepository(a, b)).build();
        route(routing).release();
        occupy(routing, a, 50);

        ticker.advance(TTL);
        ticker.advanceNanos(1);
        assertThat(bindings.find(CLIENT_KEY)).map(Binding::backendId).contains("a"); // still stored: no GC ran

        Route route = route(routing);

        assertThat(route.backend()).isEqualTo(b);
        assertThat(route.sticky()).isFalse();
        assertThat(bindings.find(CLIENT_KEY)).map(Binding::backendId).contains("b");
        assertThat(routing.load().active("a")).isEqualTo(50);
    }

    @Test
    void honoursACustomTtl() {
        Backend a = backend("a").build();
        Backend b = backend("b").build();
        RoutingService routing = service(new TestBackendRepository(a, b)).bindingTtl(Duration.ofSeconds(30)).build();
        route(routing).release();
        occupy(routing, a, 50);

        ticker.advance(Duration.ofSeconds(31));

        assertThat(route(routing).backend()).isEqualTo(b);
    }

    @Test
    void dropsABindingToABackendThatTurnedUnhealthy() {
        Backend a = backend("a").build();
        Backend b = backend("b").build();
        TestBackendRepository backends = new TestBackendRepository(a, b);
        RoutingService routing = service(backends).build();
        route(routing).release();

        backends.put(a.withHealthy(false));

        assertRebound(route(routing), "b");
    }

    @Test
    void dropsABindingToABackendThatWasRemoved() {
        Backend a = backend("a").build();
        Backend b = backend("b").build();
        TestBackendRepository backends = new TestBackendRepository(a, b);
        RoutingService routing = service(backends).build();
        route(routing).release();

        backends.remove("a");

        assertRebound(route(routing), "b");
    }

    @Test
    void dropsABindingToABackendTheInfrastructureReportsUnavailable() {
        Backend a = backend("a").build();
        Backend b = backend("b").build();
        RoutingService routing = service(new TestBackendRepository(a, b)).build();
        route(routing).release();

        unavailable.add("a"); // e.g. its circuit opened

        assertRebound(route(routing), "b");
    }

    @Test
    void dropsABindingToABackendExcludedForThisConnection() {
        Backend a = backend("a").build();
        Backend b = backend("b").build();
        RoutingService routing = service(new TestBackendRepository(a, b)).build();
        route(routing).release();

        assertRebound(routing.route(CLIENT, Set.of("a")).orElseThrow(), "b");
    }

    @Test
    void dropsABindingToABackendAtItsHardLimit() {
        Backend a = backend("a").softLimit(1).hardLimit(2).build();
        Backend b = backend("b").build();
        RoutingService routing = service(new TestBackendRepository(a, b)).build();
        route(routing).release();

        occupy(routing, a, 2);

        assertRebound(route(routing), "b");
        assertThat(routing.load().active("a")).isEqualTo(2);
    }

    @Test
    void dropsABindingThatCannotBeHonouredEvenWhenNoOtherBackendIsLeft() {
        Backend a = backend("a").build();
        TestBackendRepository backends = new TestBackendRepository(a);
        RoutingService routing = service(backends).build();
        route(routing).release();

        backends.put(a.withHealthy(false));

        assertThat(routing.route(CLIENT, Set.of())).isEmpty();
        assertThat(bindings.find(CLIENT_KEY)).isEmpty();
    }

    private void assertRebound(Route route, String backendId) {
        assertThat(route.backend().id()).isEqualTo(backendId);
        assertThat(route.sticky()).isFalse();
        assertThat(bindings.find(CLIENT_KEY)).map(Binding::backendId).contains(backendId);
    }

    @Test
    void keepsABoundClientOnABackendWhoseWeightDroppedToZero() {
        Backend a = backend("a").build();
        Backend b = backend("b").build();
        TestBackendRepository backends = new TestBackendRepository(a, b);
        RoutingService routing = service(backends).build();
        route(routing).release();

        backends.put(a.withWeight(0)); // draining: no new clients, bound ones stay

        assertThat(route(routing).backend().id()).isEqualTo("a");
        assertThat(routing.route(client(8), Set.of()).orElseThrow().backend().id()).isEqualTo("b");
    }

    @Test
    void routesNewClientsOverTheRepositorysCurrentVersion() {
        Backend a = backend("a").build();
        TestBackendRepository backends = new TestBackendRepository(a);
        RoutingService routing = service(backends).build();
        occupy(routing, a, 10);
        assertThat(routing.route(client(1), Set.of()).orElseThrow().backend().id()).isEqualTo("a");

        backends.put(backend("b").build()); // a new version: the next client sees b
        assertThat(routing.route(client(2), Set.of()).orElseThrow().backend().id()).isEqualTo("b");

        backends.put(backend("b").weight(0).build()); // and the one after that sees it drained
        assertThat(routing.route(client(3), Set.of()).orElseThrow().backend().id()).isEqualTo("a");
    }

    @Test
    void spreadsABurstOfNewClientsAcrossEqualBackends() {
        TestBackendRepository backends = new TestBackendRepository(
                backend("a").build(), backend("b").build(), backend("c").build(), backend("d").build());
        RoutingService routing = service(backends).build();

        for (int i = 0; i < 40; i++) {
            assertThat(routing.route(client(i), Set.of())).isPresent(); // none released
        }

        for (String id : List.of("a", "b", "c", "d")) {
            assertThat(routing.load().active(id)).as(id).isEqualTo(10);
        }
    }

    @Test
    void returnsNothingWhenNoBackendCanTakeTheClient() {
        Backend full = backend("full").softLimit(1).hardLimit(1).build();
        Backend sick = backend("sick").healthy(false).build();
        Backend drained = backend("drained").weight(0).build();
        Backend excluded = backend("excluded").build();
        Backend down = backend("down").build();
        unavailable.add("down");
        RoutingService routing = service(new TestBackendRepository(full, sick, drained, excluded, down)).build();
        occupy(routing, full, 1);

        assertThat(routing.route(CLIENT, Set.of("excluded"))).isEmpty();
        assertThat(bindings.size()).isZero();
        assertThat(service(new TestBackendRepository()).build().route(CLIENT, Set.of())).isEmpty();
    }

    @Test
    void givesAnyLoadBalancerOnlyBackendsThatCanTakeANewClient() {
        Backend drained = backend("drained").weight(0).build();
        Backend sick = backend("sick").healthy(false).build();
        Backend down = backend("down").build();
        Backend full = backend("full").softLimit(1).hardLimit(1).build();
        Backend small = backend("small").softLimit(2).hardLimit(2).build();
        Backend roomy = backend("roomy").build();
        unavailable.add("down");
        List<List<String>> offered = new ArrayList<>();
        LoadBalancer first = (candidates, context) -> {
            offered.add(candidates.stream().map(Backend::id).toList());
            return candidates.get(0); // no checks of its own, as a naive custom balancer would do
        };
        RoutingService routing = service(new TestBackendRepository(drained, sick, down, full, small, roomy))
                .loadBalancer(first).build();
        occupy(routing, full, 1);

        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            chosen.add(routing.route(client(i), Set.of()).orElseThrow().backend().id()); // none released
        }

        assertThat(chosen).containsExactly("small", "small", "roomy", "roomy");
        assertThat(offered).containsExactly(
                List.of("small", "roomy"), List.of("small", "roomy"), List.of("roomy"), List.of("roomy"));
        assertThat(routing.load().active("drained")).isZero();
        assertThat(routing.load().active("full")).isEqualTo(1);
    }

    @Test
    void choosesAgainWhenTheChoiceLostItsLastSlotToAnotherThread() {
        Backend a = backend("a").softLimit(1).hardLimit(1).build();
        Backend b = backend("b").build();
        BackendLoad load = new BackendLoad();
        GeoScoreLoadBalancer geoScore = new GeoScoreLoadBalancer();
        AtomicInteger calls = new AtomicInteger();
        LoadBalancer racing = (candidates, context) -> {
            Backend chosen = geoScore.choose(candidates, context);
            if (calls.getAndIncrement() == 0) {
                load.tryAcquire(chosen); // another event loop takes the slot in between
            }
            return chosen;
        };
        RoutingService routing = service(new TestBackendRepository(a, b)).load(load).loadBalancer(racing).build();

        Route route = route(routing);

        assertThat(route.backend()).isEqualTo(b);
        assertThat(calls.get()).isEqualTo(2);
        assertThat(load.active("a")).isEqualTo(1);
        assertThat(load.active("b")).isEqualTo(1);
    }

    @Test
    void returnsNothingWhenTheLoadBalancerDeclines() {
        RoutingService routing = service(new TestBackendRepository(backend("a").build()))
                .loadBalancer((candidates, context) -> null).build();

        assertThat(routing.route(CLIENT, Set.of())).isEmpty();
        assertThat(routing.load().active("a")).isZero();
    }

    @Test
    void returnsNothingInsteadOfSpinningWhenTheLoadBalancerPicksABackendOutsideTheCandidates() {
        Backend stranger = backend("stranger").softLimit(1).hardLimit(1).build();
        BackendLoad load = new BackendLoad();
        load.tryAcquire(stranger); // full, so it can never be acquired
        RoutingService routing = service(new TestBackendRepository(backend("a").build())).load(load)
                .loadBalancer((candidates, context) -> stranger).build();

        Optional<Route> route = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> routing.route(CLIENT, Set.of()));

        assertThat(route).isEmpty();
        assertThat(bindings.size()).isZero();
    }

    @Test
    void neverPlacesMoreThanTheHardLimitWhenEightThreadsRouteAtOnce() throws Exception {
        Backend a = backend("a").softLimit(5).hardLimit(10).build();
        Backend b = backend("b").softLimit(5).hardLimit(10).build();
        RoutingService routing = service(new TestBackendRepository(a, b)).build();
        AtomicInteger routed = new AtomicInteger();

        Concurrently.start(8, thread -> {
            for (int i = 0; i < 200; i++) {
                if (routing.route(client(thread * 1000 + i), Set.of()).isPresent()) { // never released
                    routed.incrementAndGet();
                }
            }
        }).join(60);

        assertThat(routed.get()).isEqualTo(20);
        assertThat(routing.load().active("a")).isEqualTo(10);
        assertThat(routing.load().active("b")).isEqualTo(10);
    }

    @Test
    void holdsTheHardLimitWhileEightThreadsRouteAndRelease() throws Exception {
        Backend a = backend("a").softLimit(2).hardLimit(3).build();
        Backend b = backend("b").softLimit(2).hardLimit(3).build();
        RoutingService routing = service(new TestBackendRepository(a, b)).build();
        Map<String, AtomicInteger> holding = Map.of("a", new AtomicInteger(), "b", new AtomicInteger());
        Map<String, AtomicInteger> mostHeld = Map.of("a", new AtomicInteger(), "b", new AtomicInteger());

        Concurrently.start(8, thread -> {
            for (int i = 0; i < 20_000; i++) {
                // 16 clients per thread: both bound (sticky) and new routes race for the slots
                Optional<Route> route = routing.route(client(thread * 16 + i % 16), Set.of());
                if (route.isPresent()) {
                    String id = route.get().backend().id();
                    mostHeld.get(id).accumulateAndGet(holding.get(id).incrementAndGet(), Math::max);
                    holding.get(id).decrementAndGet();
                    route.get().release();
                }
            }
        }).join(60);

        assertThat(mostHeld.get("a").get()).isBetween(1, 3);
        assertThat(mostHeld.get("b").get()).isBetween(1, 3);
        assertThat(routing.load().active("a")).isZero();
        assertThat(routing.load().active("b")).isZero();
    }

    @Test
    void unbindForgetsOnlyABindingToThatBackend() {
        Backend a = backend("a").build();
        RoutingService routing = service(new TestBackendRepository(a)).build();
        route(routing).release();

        routing.unbind(CLIENT_KEY, "b");
        assertThat(bindings.find(CLIENT_KEY)).map(Binding::backendId).contains("a");

        routing.unbind(CLIENT_KEY, "a");
        assertThat(bindings.find(CLIENT_KEY)).isEmpty();

        routing.unbind(ClientKey.of(client(99)), "a"); // unknown client: nothing to do
    }

    @Test
    void removeExpiredBindingsRemovesOnlyThoseIdleLongerThanTheTtl() {
        RoutingService routing = service(new TestBackendRepository(backend("a").build())).build();
        routing.route(client(1), Set.of()).orElseThrow().release();
        routing.route(client(2), Set.of()).orElseThrow().release();
        ticker.advance(Duration.ofSeconds(300));
        routing.route(client(3), Set.of()).orElseThrow().release();
        ticker.advance(Duration.ofSeconds(301));

        assertThat(routing.removeExpiredBindings()).isEqualTo(2);

        assertThat(bindings.size()).isEqualTo(1);
        assertThat(bindings.find(ClientKey.of(client(3)))).isPresent();
        assertThat(routing.removeExpiredBindings()).isZero();
    }

    @Test
    void removeExpiredBindingsUsesTheConfiguredTtl() {
        RoutingService routing = service(new TestBackendRepository(backend("a").build()))
                .bindingTtl(Duration.ofSeconds(10)).build();
        routing.route(client(1), Set.of()).orElseThrow().release();

        ticker.advance(Duration.ofSeconds(11));

        assertThat(routing.removeExpiredBindings()).isEqualTo(1);
    }

    @Test
    void refusesATtlThatIsNotPositive() {
        assertThatThrownBy(() -> RoutingService.builder().bindingTtl(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bindingTtl must be positive, but was PT0S");
        assertThatThrownBy(() -> RoutingService.builder().bindingTtl(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bindingTtl must be positive, but was PT-1S");
        // Longer TTLs would overflow the nanosecond comparison on every route.
        assertThatThrownBy(() -> RoutingService.builder().bindingTtl(Duration.ofDays(366)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bindingTtl must be at most PT8760H, but was PT8784H");
    }

    @Test
    void requiresItsRepositories() {
        assertThatThrownBy(() -> RoutingService.builder().bindings(bindings).build())
                .isInstanceOf(NullPointerException.class)
                .hasMessage("backends");
        assertThatThrownBy(() -> RoutingService.builder().backends(new TestBackendRepository()).build())
                .isInstanceOf(NullPointerException.class)
                .hasMessage("bindings");
    }

    @Test
    void defaultsToTheSaRegion() {
        assertThat(RoutingService.builder().backends(new TestBackendRepository()).bindings(bindings).build().localRegion())
                .isEqualTo(RegionCode.SA);
    }
}
