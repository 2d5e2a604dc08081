package io.edgeproxy.domain;

import java.util.Locale;

/**
 * Where a client is: its ISO 3166-1 alpha-2 country (upper case, e.g. {@code "BR"}) and the region
 * that country belongs to.
 */
public record GeoInfo(String country, RegionCode region) {

    public GeoInfo {
        country = Countries.normalize(country, "country");
        if (region == null) {
            throw new IllegalArgumentException("region must not be null");
        }
    }

    /** Shorthand for {@code new GeoInfo(country, RegionCode.of(region))}. */
    public static GeoInfo of(String country, String region) {
        return new GeoInfo(country, RegionCode.of(region));
    }

    /** Country code validation shared by the domain's value types. */
    static final class Countries {
        private Countries() {
        }

        static String normalize(String country, String field) {
            if (country == null) {
                throw new IllegalArgumentException(field + " must not be null");
            }
            String c = country.trim().toUpperCase(Locale.ROOT);
            if (c.length() != 2 || !Character.isLetter(c.charAt(0)) || !Character.isLetter(c.charAt(1))
                    || c.charAt(0) > 'Z' || c.charAt(1) > 'Z') {
                throw new IllegalArgumentException(
                        field + " must be an ISO 3166-1 alpha-2 code such as \"BR\", but was \"" + country + "\"");
            }
            return c;
        }
    }
}
