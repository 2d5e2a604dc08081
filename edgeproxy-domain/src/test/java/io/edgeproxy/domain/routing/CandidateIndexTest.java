package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.ClientKey;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.domain.port.BackendAvailability;
import io.edgeproxy.domain.port.RoutingContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The indexed geo-score choice is the list choice: same backend, for any fleet, client and load. */
class CandidateIndexTest {

    // MX sits in "us" for backends but a client may be placed in "sa" by an override: a country
    // match across regions. "zz" has no backend at all.
    private static final GeoInfo[] PLACES = {
            GeoInfo.of("BR", "sa"), GeoInfo.of("AR", "sa"), GeoInfo.of("MX", "us"), GeoInfo.of("US", "us"),
            GeoInfo.of("DE", "eu"), GeoInfo.of("FR", "eu"), GeoInfo.of("JP", "ap"),
    };
    private static final GeoInfo[] CLIENTS = {
            GeoInfo.of("BR", "sa"), GeoInfo.of("AR", "sa"), GeoInfo.of("MX", "sa"), GeoInfo.of("US", "us"),
            GeoInfo.of("DE", "eu"), GeoInfo.of("JP", "ap"), GeoInfo.of("KE", "af"), GeoInfo.of("CL", "zz"),
    };
    private static final RegionCode[] PROXY_REGIONS = {RegionCode.SA, RegionCode.US, RegionCode.EU, RegionCode.AF};

    private final GeoScoreLoadBalancer balancer = new GeoScoreLoadBalancer();

    @Test
    void choosesWhatTheListChoiceChoosesOnRandomFleetsClientsAndLoads() {
        Random random = new Random(11);
        int compared = 0;
        int chosenFromAFartherTierThanTheNearestNonEmpty = 0;
        for (int fleet = 0; fleet < 400; fleet++) {
            List<Backend> backends = randomFleet(random, random.nextInt(40));
            RegionCode proxyRegion = PROXY_REGIONS[random.nextInt(PROXY_REGIONS.length)];
            CandidateIndex index = new CandidateIndex(fleet, backends, proxyRegion);
            for (int round = 0; round < 50; round++) {
                Map<String, Integer> active = new HashMap<>();
                Set<String> down = new HashSet<>();
                Set<String> excluded = new HashSet<>();
                for (Backend b : backends) {
                    // few distinct loads, so equal scores (and the tie-breaks) come up often; up to 250
                    // on a soft limit of 1, a load term above 100
                    int scale = b.softLimit() == 1 ? 5 : 1;
                    active.put(b.id(), random.nextInt(4) == 0 ? b.hardLimit() : random.nextInt(6) * 10 * scale);
                    if (random.nextInt(8) == 0) {
                        down.add(b.id());
                    }
                    if (random.nextInt(10) == 0) {
                        excluded.add(b.id());
                    }
                }
                BackendAvailability availability = b -> !down.contains(b.id());
                GeoInfo client = random.nextInt(6) == 0 ? null : CLIENTS[random.nextInt(CLIENTS.length)];
                RoutingContext context = new RoutingContext(new ClientKey("203.0.113.7"), Optional.ofNullable(client),
                        proxyRegion, id -> active.getOrDefault(id, 0));

                List<Backend> candidates = new ArrayList<>();
                for (Backend b : backends) {
                    if (b.healthy() && b.weight() > 0 && !down.contains(b.id()) && !excluded.contains(b.id())
                            && active.get(b.id()) < b.hardLimit()) {
                        candidates.add(b);
                    }
                }
                Backend expected = balancer.choose(candidates, context);
                Backend actual = balancer.choose(index, client, excluded, availability, context.load());

                assertThat(actual).as("fleet %d round %d, client %s, proxy in %s, load %s, down %s, excluded %s",
                        fleet, round, client, proxyRegion, active, down, excluded).isEqualTo(expected);
                compared++;
                if (expected != null && farther(expected, candidates, client, proxyRegion)) {
                    chosenFromAFartherTierThanTheNearestNonEmpty++;
                }
            }
        }
        assertThat(compared).isEqualTo(20_000);
        // the overloaded-near-backend case (load term above 100) was exercised, not just the easy one
        assertThat(chosenFromAFartherTierThanTheNearestNonEmpty).isPositive();
    }

    private static boolean farther(Backend chosen, List<Backend> candidates, GeoInfo client, RegionCode proxy) {
        int nearest = Integer.MAX_VALUE;
        for (Backend b : candidates) {
            nearest = Math.min(nearest, GeoScoreLoadBalancer.geoScore(b, client, proxy));
        }
        return GeoScoreLoadBalancer.geoScore(chosen, client, proxy) > nearest;
    }

    private static List<Backend> randomFleet(Random random, int size) {
        List<Backend> fleet = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            GeoInfo place = PLACES[random.nextInt(PLACES.length)];
            Backend.Builder b = Backend.builder("b-" + random.nextInt(1000) + "-" + i).app("api")
                    .region(place.region()).country(place.country()).address("10.0.0.1").port(8080)
                    .healthy(random.nextInt(10) != 0)
                    .weight(random.nextInt(4)); // 0 to 3: a weight of 0 drains
            switch (random.nextInt(4)) {
                case 0 -> b.softLimit(0).hardLimit(60);
                case 1 -> b.softLimit(1).hardLimit(500); // load term far above 100: a farther tier can win
                case 2 -> b.softLimit(20).hardLimit(40);
                default -> { } // 100 / 150
            }
            fleet.add(b.build());
        }
        return fleet;
    }

    @Test
    void groupsTheFleetByTierForAClient() {
        Backend br = backend("br", "sa", "BR");
        Backend ar = backend("ar", "sa", "AR");
        Backend mx = backend("mx", "us", "MX");
        Backend us = backend("us", "us", "US");
        Backend de = backend("de", "eu", "DE");
        CandidateIndex index = new CandidateIndex(1, List.of(br, ar, mx, us, de), RegionCode.US);
        GeoInfo client = GeoInfo.of("BR", "sa");
        int country = index.countryId(client);
        int region = index.regionId(client);

        Map<Integer, List<String>> tiers = new HashMap<>();
        for (int position = 0; position < index.open.length; position++) {
            tiers.computeIfAbsent(index.tier(position, country, region), t -> new ArrayList<>())
                    .add(index.open[position].id());
        }

        assertThat(tiers).containsOnly(
                Map.entry(GeoScoreLoadBalancer.SAME_COUNTRY, List.of("br")),
                Map.entry(GeoScoreLoadBalancer.SAME_REGION, List.of("ar")),
                Map.entry(GeoScoreLoadBalancer.LOCAL_REGION, List.of("mx", "us")),
                Map.entry(GeoScoreLoadBalancer.ELSEWHERE, List.of("de")));
        assertThat(index.countryId(null)).isEqualTo(-1);
        assertThat(index.countryId(GeoInfo.of("KE", "af"))).isEqualTo(-1);
    }

    @Test
    void keepsDrainingBackendsForBindingsButNotForNewClients() {
        Backend drained = Backend.builder("drained").app("api").region("sa").country("BR").address("10.0.0.1")
                .port(8080).weight(0).build();
        Backend sick = Backend.builder("sick").app("api").region("sa").country("BR").address("10.0.0.1")
                .port(8080).healthy(false).build();

        CandidateIndex index = new CandidateIndex(7, List.of(drained, sick), RegionCode.SA);

        assertThat(index.version).isEqualTo(7);
        assertThat(index.healthy("drained")).isEqualTo(drained);
        assertThat(index.healthy("sick")).as("a repository's healthy() that is not").isNull();
        assertThat(index.open).isEmpty();
    }

    private static Backend backend(String id, String region, String country) {
        return Backend.builder(id).app("api").region(region).country(country).address("10.0.0.1").port(8080).build();
    }
}
