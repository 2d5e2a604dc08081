package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.domain.port.ActiveConnections;
import io.edgeproxy.domain.port.BackendAvailability;
import io.edgeproxy.domain.port.LoadBalancer;
import io.edgeproxy.domain.port.RoutingContext;

import java.util.List;
import java.util.Set;

/**
 * The edgeProxy score, lower is better:
 * <pre>
 *   score = geo * 100 + (active / softLimit) / weight
 *   geo   = 0 client's country, 1 client's region, 2 this proxy's region, 3 elsewhere
 * </pre>
 * Backends at their hard limit and backends of weight 0 are never chosen (the routing use case
 * leaves them out of the candidates already; the checks keep this balancer safe on its own); a soft
 * limit of 0 counts as 1. Equal scores go to the backend with fewer active connections, then to the smaller id, so
 * the choice is deterministic. Stateless and thread-safe.
 *
 * <p>{@link RoutingService} recognises this balancer and, instead of building a candidate list per
 * client, runs the same score over a per-repository-version index of the fleet grouped by country
 * and region: only the nearest tier with room is scanned (a farther one only when it could still
 * win), and nothing is allocated. The choice is the one {@link #choose(List, RoutingContext)}
 * makes over the filtered list; a property test holds the two equal.
 */
public final class GeoScoreLoadBalancer implements LoadBalancer {

    /** Client's own country. */
    public static final int SAME_COUNTRY = 0;
    /** Client's region. */
    public static final int SAME_REGION = 1;
    /** This proxy's region. */
    public static final int LOCAL_REGION = 2;
    /** Anywhere else. */
    public static final int ELSEWHERE = 3;

    @Override
    public Backend choose(List<Backend> candidates, RoutingContext context) {
        GeoInfo geo = context.clientGeo().orElse(null);
        RegionCode local = context.localRegion();
        Backend best = null;
        double bestScore = Double.MAX_VALUE;
        int bestActive = Integer.MAX_VALUE;
        for (int i = 0, n = candidates.size(); i < n; i++) {
            Backend b = candidates.get(i);
            if (b.weight() == 0) {
                continue;
            }
            int active = context.load().active(b.id());
            if (active >= b.hardLimit()) {
                continue;
            }
            double score = score(geoScore(b, geo, local), active, b);
            if (best == null || beats(score, active, b, bestScore, bestActive, best)) {
                best = b;
                bestScore = score;
                bestActive = active;
            }
        }
        return best;
    }

    /**
     * The same choice as {@link #choose(List, RoutingContext)} over the backends of {@code index}
     * that are not excluded, available and below their hard limit, without building that list.
     * Scans the tiers nearest first; after tier {@code t} it stops when the best score is below
     * {@code (t + 1) * 100}, the lowest score any farther backend can have (an equal score goes on,
     * since a farther backend could win the tie on fewer active connections).
     */
    Backend choose(CandidateIndex index, GeoInfo clientGeo, Set<String> excluded,
                   BackendAvailability availability, ActiveConnections load) {
        int country = index.countryId(clientGeo);
        int region = index.regionId(clientGeo);
        boolean anyExcluded = !excluded.isEmpty();
        Backend[] open = index.open;
        Backend best = null;
        double bestScore = Double.MAX_VALUE;
        int bestActive = Integer.MAX_VALUE;
        for (int tier = SAME_COUNTRY; tier <= ELSEWHERE; tier++) {
            int[] group = index.group(tier, country, region);
            int n = group == null ? open.length : group.length;
            for (int k = 0; k < n; k++) {
                int position = group == null ? k : group[k];
                if (index.tier(position, country, region) != tier) {
                    continue; // scanned with a nearer tier
                }
                Backend b = open[position];
                if ((anyExcluded && excluded.contains(b.id())) || !availability.isAvailable(b)) {
                    continue;
                }
                int active = load.active(b.id());
                if (active >= b.hardLimit()) {
                    continue;
                }
                double score = score(tier, active, b);
                if (best == null || beats(score, active, b, bestScore, bestActive, best)) {
                    best = b;
                    bestScore = score;
                    bestActive = active;
                }
            }
            if (best != null && bestScore < (tier + 1) * 100.0) {
                return best;
            }
        }
        return best;
    }

    private static double score(int geoScore, int active, Backend b) {
        return geoScore * 100.0 + ((double) active / Math.max(1, b.softLimit())) / b.weight();
    }

    /** Lower score, then fewer active connections, then the smaller id. */
    private static boolean beats(double score, int active, Backend b, double bestScore, int bestActive, Backend best) {
        return score < bestScore
                || (score == bestScore && (active < bestActive
                || (active == bestActive && b.id().compareTo(best.id()) < 0)));
    }

    /** @return the geo tier of {@code backend} for a client at {@code client} (null when unknown) */
    public static int geoScore(Backend backend, GeoInfo client, RegionCode localRegion) {
        if (client != null) {
            if (backend.country().equals(client.country())) {
                return SAME_COUNTRY;
            }
            if (backend.region().equals(client.region())) {
                return SAME_REGION;
            }
        }
        return backend.region().equals(localRegion) ? LOCAL_REGION : ELSEWHERE;
    }
}
