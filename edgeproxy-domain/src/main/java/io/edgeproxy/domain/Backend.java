package io.edgeproxy.domain;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One backend a proxy can forward to: an instance of an application at an overlay (WireGuard) IP
 * address and port, in a region and country, with a weight and connection limits. Immutable and
 * validated on construction; the fields mirror the {@code backends} table of the documentation.
 *
 * <ul>
 *   <li>{@code weight}: relative capacity; the load term of the score is divided by it. A weight of
 *       0 takes no new clients (HAProxy's "drain"), though clients already bound to it stay.</li>
 *   <li>{@code softLimit}: the number of active connections the backend is comfortable with; the
 *       load term is {@code active / softLimit}. A soft limit of 0 counts as 1.</li>
 *   <li>{@code hardLimit}: the backend never gets more active connections than this.</li>
 * </ul>
 *
 * <pre>{@code
 * Backend b = Backend.builder("sa-1").app("api").region("sa").country("BR")
 *         .address("10.50.1.1").port(8080).build();
 * }</pre>
 */
public final class Backend {

    /** Defaults to 1. */
    public static final int DEFAULT_WEIGHT = 1;
    /** Defaults to 100 active connections. */
    public static final int DEFAULT_SOFT_LIMIT = 100;
    /** Defaults to 150 active connections. */
    public static final int DEFAULT_HARD_LIMIT = 150;

    private final String id;
    private final String app;
    private final RegionCode region;
    private final String country;
    private final String address;
    private final int port;
    private final boolean healthy;
    private final int weight;
    private final int softLimit;
    private final int hardLimit;
    private final InetSocketAddress socketAddress;

    public Backend(String id, String app, RegionCode region, String country, String address, int port,
                   boolean healthy, int weight, int softLimit, int hardLimit) {
        this.id = requireText(id, "id");
        this.app = requireText(app, "app");
        if (region == null) {
            throw new IllegalArgumentException("backend " + id + ": region must not be null");
        }
        this.region = region;
        this.country = GeoInfo.Countries.normalize(country, "backend " + id + ": country");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("backend " + id + ": port must be between 1 and 65535, but was " + port);
        }
        if (weight < 0) {
            throw new IllegalArgumentException("backend " + id + ": weight must be >= 0, but was " + weight);
        }
        if (softLimit < 0) {
            throw new IllegalArgumentException("backend " + id + ": softLimit must be >= 0, but was " + softLimit);
        }
        if (hardLimit < 1) {
            throw new IllegalArgumentException("backend " + id + ": hardLimit must be >= 1, but was " + hardLimit);
        }
        if (softLimit > hardLimit) {
            throw new IllegalArgumentException("backend " + id + ": softLimit must be <= hardLimit (" + hardLimit
                    + "), but was " + softLimit);
        }
        try {
            this.socketAddress = new InetSocketAddress(IpLiteral.parse(address), port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("backend " + id + ": " + e.getMessage(), e);
        }
        this.address = address.trim();
        this.port = port;
        this.healthy = healthy;
        this.weight = weight;
        this.softLimit = softLimit;
        this.hardLimit = hardLimit;
    }

    /** Starts a backend with the documented defaults: healthy, weight 1, soft limit 100, hard limit 150. */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /**
     * Not blank, and no control character or line separator: ids and app names reach log lines,
     * where a line feed would let a registry entry forge a line of its own.
     */
    private static String requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("backend " + field + " must not be blank, but was \"" + value + "\"");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                throw new IllegalArgumentException(String.format(
                        "backend %s must not contain control characters, but has U+%04X at index %d", field, (int) c, i));
            }
        }
        return value.trim();
    }

    public String id() {
        return id;
    }

    public String app() {
        return app;
    }

    public RegionCode region() {
        return region;
    }

    /** @return the ISO 3166-1 alpha-2 country, upper case */
    public String country() {
        return country;
    }

    /** @return the overlay IP address, as given */
    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    public boolean healthy() {
        return healthy;
    }

    public int weight() {
        return weight;
    }

    public int softLimit() {
        return softLimit;
    }

    public int hardLimit() {
        return hardLimit;
    }

    /** @return the resolved socket address; computed once, never by DNS */
    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    public Backend withHealthy(boolean newHealthy) {
        return toBuilder().healthy(newHealthy).build();
    }

    public Backend withWeight(int newWeight) {
        return toBuilder().weight(newWeight).build();
    }

    public Builder toBuilder() {
        return new Builder(id).app(app).region(region).country(country).address(address).port(port)
                .healthy(healthy).weight(weight).softLimit(softLimit).hardLimit(hardLimit);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Backend)) {
            return false;
        }
        Backend b = (Backend) o;
        return port == b.port && healthy == b.healthy && weight == b.weight && softLimit == b.softLimit
                && hardLimit == b.hardLimit && id.equals(b.id) && app.equals(b.app) && region.equals(b.region)
                && country.equals(b.country) && address.equals(b.address);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, app, region, country, address, port, healthy, weight, softLimit, hardLimit);
    }

    @Override
    public String toString() {
        return "Backend[" + id + " " + app + " " + region + "/" + country + " " + address + ":" + port
                + (healthy ? "" : " UNHEALTHY") + " w=" + weight + " soft=" + softLimit + " hard=" + hardLimit + "]";
    }

    /** Builds a {@link Backend}; every field but the defaults must be set. */
    public static final class Builder {
        private final String id;
        private String app;
        private RegionCode region;
        private String country;
        private String address;
        private int port;
        private boolean healthy = true;
        private int weight = DEFAULT_WEIGHT;
        private int softLimit = DEFAULT_SOFT_LIMIT;
        private int hardLimit = DEFAULT_HARD_LIMIT;

        private Builder(String id) {
            this.id = id;
        }

        public Builder app(String value) {
            this.app = value;
            return this;
        }

        public Builder region(String value) {
            this.region = RegionCode.of(value);
            return this;
        }

        public Builder region(RegionCode value) {
            this.region = value;
            return this;
        }

        public Builder country(String value) {
            this.country = value;
            return this;
        }

        public Builder address(String value) {
            this.address = value;
            return this;
        }

        public Builder port(int value) {
            this.port = value;
            return this;
        }

        public Builder healthy(boolean value) {
            this.healthy = value;
            return this;
        }

        public Builder weight(int value) {
            this.weight = value;
            return this;
        }

        public Builder softLimit(int value) {
            this.softLimit = value;
            return this;
        }

        public Builder hardLimit(int value) {
            this.hardLimit = value;
            return this;
        }

        public Backend build() {
            return new Backend(id, app, region, country, address, port, healthy, weight, softLimit, hardLimit);
        }
    }
}
