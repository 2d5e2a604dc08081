package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.domain.port.LoadBalancer;
import io.edgeproxy.domain.port.RoutingContext;

import java.util.List;

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
            double score = geoScore(b, geo, local) * 100.0
                    + ((double) active / Math.max(1, b.softLimit())) / b.weight();
            if (score < bestScore
                    || (score == bestScore && (active < bestActive
                    || (active == bestActive && b.id().compareTo(best.id()) < 0)))) {
                best = b;
                bestScore = score;
                bestActive = active;
            }
        }
        return best;
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
