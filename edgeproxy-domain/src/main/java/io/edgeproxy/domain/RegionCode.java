package io.edgeproxy.domain;

import java.util.Locale;

/**
 * A deployment region such as {@code sa}, {@code us}, {@code eu} or {@code ap}: lower-case ASCII
 * letters, digits and dashes, 1 to 32 characters. Input is lower-cased, so {@code "EU"} and
 * {@code "eu"} are the same region.
 */
public record RegionCode(String value) {

    /** South and Central America. */
    public static final RegionCode SA = new RegionCode("sa");
    /** North America and the Caribbean. */
    public static final RegionCode US = new RegionCode("us");
    /** Europe. */
    public static final RegionCode EU = new RegionCode("eu");
    /** Asia and Oceania. */
    public static final RegionCode AP = new RegionCode("ap");
    /** Africa. */
    public static final RegionCode AF = new RegionCode("af");
    /** The Middle East. */
    public static final RegionCode ME = new RegionCode("me");

    public RegionCode {
        if (value == null) {
            throw new IllegalArgumentException("region must not be null");
        }
        value = value.trim().toLowerCase(Locale.ROOT);
        if (value.isEmpty() || value.length() > 32) {
            throw new IllegalArgumentException("region must be 1 to 32 characters, but was \"" + value + "\"");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
            if (!ok) {
                throw new IllegalArgumentException(
                        "region must hold only letters, digits and '-', but was \"" + value + "\"");
            }
        }
    }

    /** Parses a region code, for example {@code RegionCode.of("eu")}. */
    public static RegionCode of(String value) {
        return new RegionCode(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
