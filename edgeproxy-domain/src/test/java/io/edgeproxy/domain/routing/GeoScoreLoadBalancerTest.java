package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.ClientKey;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.domain.port.RoutingContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class GeoScoreLoadBalancerTest {

    private static final GeoInfo BRAZIL = GeoInfo.of("BR", "sa");

    private final GeoScoreLoadBalancer balancer = new GeoScoreLoadBalancer();
    private final Map<String, Integer> active = new HashMap<>();

    private static Backend.Builder backend(String id, String region, String country) {
        return Backend.builder(id).app("api").region(region).country(country).address("10.0.0.1").port(8080);
    }

    private static Backend backendIn(String id, String region, String country) {
        return backend(id, region, country).build();
    }

    /** A client in Brazil, reaching a proxy that runs in {@code us}. */
    private RoutingContext brazilianClient() {
        return context(Optional.of(BRAZIL), RegionCode.US);
    }

    private RoutingContext context(Optional<GeoInfo> clientGeo, RegionCode localRegion) {
        return new RoutingContext(new ClientKey("203.0.113.7"), clientGeo, localRegion,
                id -> active.getOrDefault(id, 0));
    }

    @Test
    void prefersTheClientsCountryOverItsRegionOverTheProxysRegionOverElsewhere() {
        Backend country = backendIn("br", "sa", "BR");
        Backend region = backendIn("ar", "sa", "AR");
        Backend local = backendIn("us", "us", "US");
        Backend elsewhere = backendIn("de", "eu", "DE");
        // each nearer tier carries load, so only the geo term can explain the order
        active.put("br", 90);
        active.put("ar", 60);
        active.put("us", 30);

        List<Backend> all = new ArrayList<>(List.of(elsewhere, local, region, country));
        assertThat(balancer.choose(all, brazilianClient())).isEqualTo(country);
        all.remove(country);
        assertThat(balancer.choose(all, brazilianClient())).isEqualTo(region);
        all.remove(region);
        assertThat(balancer.choose(all, brazilianClient())).isEqualTo(local);
        all.remove(local);
        assertThat(balancer.choose(all, brazilianClient())).isEqualTo(elsewhere);
    }

    @Test
    void scoresTheGeoTiers() {
        RegionCode proxy = RegionCode.US;

        assertThat(GeoScoreLoadBalancer.geoScore(backendIn("br", "sa", "BR"), BRAZIL, proxy)).isEqualTo(GeoScoreLoadBalancer.SAME_COUNTRY);
        assertThat(GeoScoreLoadBalancer.geoScore(backendIn("ar", "sa", "AR"), BRAZIL, proxy)).isEqualTo(GeoScoreLoadBalancer.SAME_REGION);
        assertThat(GeoScoreLoadBalancer.geoScore(backendIn("us", "us", "US"), BRAZIL, proxy)).isEqualTo(GeoScoreLoadBalancer.LOCAL_REGION);
        assertThat(GeoScoreLoadBalancer.geoScore(backendIn("de", "eu", "DE"), BRAZIL, proxy)).isEqualTo(GeoScoreLoadBalancer.ELSEWHERE);
        assertThat(List.of(GeoScoreLoadBalancer.SAME_COUNTRY, GeoScoreLoadBalancer.SAME_REGION,
                GeoScoreLoadBalancer.LOCAL_REGION, GeoScoreLoadBalancer.ELSEWHERE)).containsExactly(0, 1, 2, 3);
    }

    @Test
    void countsACountryMatchEvenWhenTheBackendsRegionDiffersFromTheClients() {
        // a Mexican client placed in "sa" by an override still prefers a backend in Mexico
        Backend mexico = backendIn("mx", "us", "MX");
        Backend brazil = backendIn("br", "sa", "BR");

        Backend chosen = balancer.choose(List.of(brazil, mexico),
                context(Optional.of(GeoInfo.of("MX", "sa")), RegionCode.EU));

        assertThat(chosen).isEqualTo(mexico);
    }

    @Test
    void routesAClientOfUnknownLocationToTheProxysRegion() {
        Backend brazil = backendIn("br", "sa", "BR");
        Backend us = backendIn("us", "us", "US");
        active.put("us", 90);

        Backend chosen = balancer.choose(List.of(brazil, us), context(Optional.empty(), RegionCode.US));

        assertThat(chosen).isEqualTo(us);
        assertThat(GeoScoreLoadBalancer.geoScore(brazil, null, RegionCode.US)).isEqualTo(GeoScoreLoadBalancer.ELSEWHERE);
    }

    @Test
    void prefersTheLessLoadedBackendOfATier() {
        Backend a = backendIn("a", "sa", "BR");
        Backend b = backendIn("b", "sa", "BR");
        active.put("a", 10);
        active.put("b", 5);

        assertThat(balancer.choose(List.of(a, b), brazilianClient())).isEqualTo(b);
    }

    @Test
    void measuresLoadRelativeToTheSoftLimit() {
        Backend big = backend("a-big", "sa", "BR").softLimit(200).hardLimit(300).build();
        Backend small = backend("b-small", "sa", "BR").softLimit(100).build();
        active.put("a-big", 30); // 0.15
        active.put("b-small", 20); // 0.20

        assertThat(balancer.choose(List.of(small, big), brazilianClient())).isEqualTo(big);
    }

    @Test
    void aBackendOfWeightTwoTakesTwiceTheLoadBeforeLosing() {
        Backend heavy = backend("a", "sa", "BR").weight(2).build();
        Backend light = backendIn("b", "sa", "BR");
        active.put("b", 10); // 0.10

        active.put("a", 19); // 0.095
        assertThat(balancer.choose(List.of(heavy, light), brazilianClient())).isEqualTo(heavy);
        active.put("a", 21); // 0.105
        assertThat(balancer.choose(List.of(heavy, light), brazilianClient())).isEqualTo(light);
    }

    @Test
    void spreadsNewClientsInProportionToWeight() {
        Backend heavy = backend("a", "sa", "BR").weight(2).build();
        Backend light = backendIn("b", "sa", "BR");
        BackendLoad load = new BackendLoad();
        RoutingContext context = new RoutingContext(new ClientKey("203.0.113.7"), Optional.of(BRAZIL), RegionCode.US, load);

        for (int i = 0; i < 90; i++) {
            assertThat(load.tryAcquire(balancer.choose(List.of(heavy, light), context))).isTrue();
        }

        assertThat(load.active("a")).isEqualTo(60);
        assertThat(load.active("b")).isEqualTo(30);
    }

    @Test
    void countsASoftLimitOfZeroAsOne() {
        Backend zero = backend("a-zero", "sa", "BR").softLimit(0).build();
        Backend other = backendIn("b-other", "sa", "BR");

        active.put("b-other", 50); // 0.5; an idle zero-soft-limit backend must still beat it (0/0 would not)
        assertThat(balancer.choose(List.of(other, zero), brazilianClient())).isEqualTo(zero);

        active.put("a-zero", 1); // 1/1 = 1.0
        active.put("b-other", 99); // 0.99
        assertThat(balancer.choose(List.of(other, zero), brazilianClient())).isEqualTo(other);
        active.put("b-other", 101); // 1.01; a load term of 1/0 = infinity would lose here
        assertThat(balancer.choose(List.of(other, zero), brazilianClient())).isEqualTo(zero);
    }

    @Test
    void neverChoosesABackendOfWeightZero() {
        Backend drained = backend("br", "sa", "BR").weight(0).build();
        Backend far = backendIn("de", "eu", "DE");
        active.put("de", 140);

        assertThat(balancer.choose(List.of(drained, far), brazilianClient())).isEqualTo(far);
        assertThat(balancer.choose(List.of(drained), brazilianClient())).isNull();
    }

    @Test
    void neverChoosesABackendAtItsHardLimit() {
        Backend full = backend("br", "sa", "BR").softLimit(5).hardLimit(10).build();
        Backend far = backendIn("de", "eu", "DE");
        active.put("br", 10);
        active.put("de", 140);

        assertThat(balancer.choose(List.of(full, far), brazilianClient())).isEqualTo(far);
        assertThat(balancer.choose(List.of(full), brazilianClient())).isNull();
        active.put("br", 9);
        assertThat(balancer.choose(List.of(full, far), brazilianClient())).isEqualTo(full);
    }

    @Test
    void breaksAnEqualScoreTowardsFewerActiveConnections() {
        Backend a = backend("a", "sa", "BR").softLimit(100).build();
        Backend b = backend("b", "sa", "BR").softLimit(50).build();
        active.put("a", 10); // 0.1
        active.put("b", 5); // 0.1

        assertThat(balancer.choose(List.of(a, b), brazilianClient())).isEqualTo(b);
        assertThat(balancer.choose(List.of(b, a), brazilianClient())).isEqualTo(b);
    }

    @Test
    void breaksAFullTieTowardsTheSmallerIdWhateverTheOrder() {
        List<Backend> backends = new ArrayList<>();
        for (String id : List.of("sa-3", "sa-10", "sa-1", "sa-2")) {
            backends.add(backendIn(id, "sa", "BR"));
            active.put(id, 7);
        }
        Random random = new Random(42);

        for (int i = 0; i < 20; i++) {
            Collections.shuffle(backends, random);
            assertThat(balancer.choose(backends, brazilianClient()).id()).isEqualTo("sa-1");
        }
    }

    @Test
    void aNearBackendLosesToTheNextTierOnceItsLoadTermExceedsOneHundred() {
        // Documented behaviour of the score: the geo term is worth 100, the load term is unbounded
        // (active / softLimit / weight), so an overloaded near backend can lose to a farther tier.
        Backend near = backend("br", "sa", "BR").softLimit(1).hardLimit(500).build();
        Backend regional = backendIn("ar", "sa", "AR");

        active.put("br", 99); // 99 < 100 + 0
        assertThat(balancer.choose(List.of(near, regional), brazilianClient())).isEqualTo(near);
        active.put("br", 101); // 101 > 100 + 0
        assertThat(balancer.choose(List.of(near, regional), brazilianClient())).isEqualTo(regional);
    }

    @Test
    void returnsNullWhenNoCandidateCanTakeAClient() {
        assertThat(balancer.choose(List.of(), brazilianClient())).isNull();
    }
}
