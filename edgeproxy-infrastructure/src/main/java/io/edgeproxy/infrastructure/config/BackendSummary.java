package io.edgeproxy.infrastructure.config;

import io.edgeproxy.domain.Backend;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * A backend list in one short line for logs, whatever its size: the count per region and how many
 * are marked unhealthy, such as {@code 3 backends (eu 1, sa 2; 1 unhealthy)}. A list of 70,000
 * backends is summarized, never written out.
 */
public final class BackendSummary {

    private BackendSummary() {
    }

    /** @return the summary line of {@code backends} */
    public static String of(Collection<Backend> backends) {
        Map<String, Integer> perRegion = new TreeMap<>();
        int unhealthy = 0;
        for (Backend b : backends) {
            perRegion.merge(b.region().toString(), 1, Integer::sum);
            if (!b.healthy()) {
                unhealthy++;
            }
        }
        StringBuilder s = new StringBuilder().append(backends.size()).append(backends.size() == 1 ? " backend" : " backends");
        if (!perRegion.isEmpty()) {
            s.append(" (");
            perRegion.forEach((region, n) -> s.append(s.charAt(s.length() - 1) == '(' ? "" : ", ").append(region)
                    .append(' ').append(n));
            s.append(unhealthy > 0 ? "; " + unhealthy + " unhealthy)" : ")");
        }
        return s.toString();
    }
}
