package io.edgeproxy.benchmarks;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.routing.BackendLoad;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The fleet and the clients the routing benchmarks place: backends spread over six regions and 22
 * countries, each with 10 to 120 active connections, every fifth at weight 2; clients of which a
 * tenth have no known location. Drawn from the caller's {@link Random}, so a seed gives the same
 * fleet every time.
 */
final class BenchmarkFleet {

    private static final String[][] COUNTRIES = {
            {"sa", "BR", "AR", "CL", "CO"},
            {"us", "US", "CA", "MX"},
            {"eu", "DE", "FR", "GB", "NL"},
            {"ap", "JP", "SG", "AU", "IN"},
            {"af", "ZA", "NG", "KE"},
            {"me", "AE", "SA", "IL"},
    };
    /** Every (country, region) of {@link #COUNTRIES}. */
    static final List<GeoInfo> PLACES = places();

    private BenchmarkFleet() {
    }

    private static List<GeoInfo> places() {
        List<GeoInfo> places = new ArrayList<>();
        for (String[] region : COUNTRIES) {
            for (int c = 1; c < region.length; c++) {
                places.add(GeoInfo.of(region[c], region[0]));
            }
        }
        return List.copyOf(places);
    }

    /** @return {@code size} backends, each holding its active connections in {@code load} */
    static List<Backend> backends(int size, BackendLoad load, Random random) {
        List<Backend> backends = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            GeoInfo place = PLACES.get(i % PLACES.size());
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
        return List.copyOf(backends);
    }

    /** @return the {@code i}-th client address, in 100.64.0.0/10 */
    static InetAddress client(int i) throws UnknownHostException {
        return InetAddress.getByAddress(new byte[] {100, 64, (byte) (i >> 8), (byte) i});
    }

    /** @return where a client is: one of {@link #PLACES}, or unknown for about one in ten */
    static Optional<GeoInfo> location(Random random) {
        return random.nextInt(10) == 0 ? Optional.empty() : Optional.of(PLACES.get(random.nextInt(PLACES.size())));
    }
}
