package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.RegionCode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The healthy backends of one repository version, arranged so that placing a client costs the size
 * of its nearest geo tier, not the size of the fleet. Immutable; built by {@link RoutingService}
 * when {@code BackendRepository.version()} changes and published behind one volatile reference.
 *
 * <p>How it works: every distinct country and region of the fleet gets a small integer. Each
 * backend that may take new clients (healthy, weight above 0) has a position in {@link #open}, and
 * the positions are grouped once per country and once per region. For a client in country
 * {@code c} of region {@code r}, tier 0 is the group of {@code c}, tier 1 the group of {@code r}
 * minus tier 0, tier 2 the group of this proxy's region minus tiers 0 and 1, tier 3 everything
 * else. {@link GeoScoreLoadBalancer} scans the tiers nearest first and stops as soon as no farther
 * tier can beat the best score found (see {@link #tier}), so its choice equals the one it makes
 * over the whole filtered list.
 */
final class CandidateIndex {

    private static final int[] NONE = new int[0];

    /** The repository version this index was built from. */
    final long version;
    /** Every healthy backend by id, weight 0 included (bound clients may stay on a draining backend). */
    private final Map<String, Backend> healthyById;
    /** Healthy backends of weight above 0, in repository order: who may take a new client. */
    final Backend[] open;
    private final int[] countryOf;
    private final int[] regionOf;
    private final Map<String, Integer> countryIds;
    private final Map<RegionCode, Integer> regionIds;
    private final int[][] byCountry;
    private final int[][] byRegion;
    /** Id of this proxy's region, or -1 when no open backend is there. */
    private final int localRegion;

    CandidateIndex(long version, List<Backend> healthy, RegionCode localRegion) {
        this.version = version;
        this.healthyById = new HashMap<>(Math.max(4, healthy.size() * 2));
        List<Backend> open = new ArrayList<>(healthy.size());
        for (Backend b : healthy) {
            if (!b.healthy()) {
                continue; // a repository's healthy() that is not: stay correct anyway
            }
            healthyById.put(b.id(), b);
            if (b.weight() > 0) {
                open.add(b);
            }
        }
        this.open = open.toArray(new Backend[0]);
        this.countryOf = new int[this.open.length];
        this.regionOf = new int[this.open.length];
        this.countryIds = new HashMap<>();
        this.regionIds = new HashMap<>();
        List<List<Integer>> countries = new ArrayList<>();
        List<List<Integer>> regions = new ArrayList<>();
        for (int i = 0; i < this.open.length; i++) {
            Backend b = this.open[i];
            countryOf[i] = idOf(countryIds, b.country(), countries);
            regionOf[i] = idOf(regionIds, b.region(), regions);
            countries.get(countryOf[i]).add(i);
            regions.get(regionOf[i]).add(i);
        }
        this.byCountry = toArrays(countries);
        this.byRegion = toArrays(regions);
        this.localRegion = regionIds.getOrDefault(localRegion, -1);
    }

    private static <K> int idOf(Map<K, Integer> ids, K key, List<List<Integer>> groups) {
        Integer id = ids.get(key);
        if (id == null) {
            id = groups.size();
            ids.put(key, id);
            groups.add(new ArrayList<>());
        }
        return id;
    }

    private static int[][] toArrays(List<List<Integer>> groups) {
        int[][] out = new int[groups.size()][];
        for (int g = 0; g < out.length; g++) {
            out[g] = groups.get(g).stream().mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    /** @return the healthy backend with this id (weight 0 included), or null */
    Backend healthy(String id) {
        return healthyById.get(id);
    }

    /** @return the id of the client's country in this index, or -1 (unknown client or no backend there) */
    int countryId(GeoInfo client) {
        return client == null ? -1 : countryIds.getOrDefault(client.country(), -1);
    }

    /** @return the id of the client's region in this index, or -1 */
    int regionId(GeoInfo client) {
        return client == null ? -1 : regionIds.getOrDefault(client.region(), -1);
    }

    /**
     * The positions to scan for one tier; a position may belong to a nearer tier (check with
     * {@link #tier}). {@code null} for tier 3 means every position.
     */
    int[] group(int tier, int clientCountry, int clientRegion) {
        switch (tier) {
            case GeoScoreLoadBalancer.SAME_COUNTRY:
                return clientCountry < 0 ? NONE : byCountry[clientCountry];
            case GeoScoreLoadBalancer.SAME_REGION:
                return clientRegion < 0 ? NONE : byRegion[clientRegion];
            case GeoScoreLoadBalancer.LOCAL_REGION:
                return localRegion < 0 || localRegion == clientRegion ? NONE : byRegion[localRegion];
            default:
                return null;
        }
    }

    /**
     * The geo tier of the backend at {@code position}, as
     * {@link GeoScoreLoadBalancer#geoScore(Backend, GeoInfo, RegionCode)} computes it from strings.
     * Ids of -1 (a client country or region no backend has) match nothing.
     */
    int tier(int position, int clientCountry, int clientRegion) {
        if (countryOf[position] == clientCountry) {
            return GeoScoreLoadBalancer.SAME_COUNTRY;
        }
        int region = regionOf[position];
        if (region == clientRegion) {
            return GeoScoreLoadBalancer.SAME_REGION;
        }
        return region == localRegion ? GeoScoreLoadBalancer.LOCAL_REGION : GeoScoreLoadBalancer.ELSEWHERE;
    }
}
