package io.edgeproxy.domain;

import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which region each country belongs to. {@link #defaults()} covers every ISO 3166-1 alpha-2 code:
 * South and Central America {@code sa}, North America and the Caribbean {@code us}, Europe
 * {@code eu}, Asia and Oceania {@code ap}, Africa {@code af}, the Middle East {@code me}.
 * Immutable; {@link #with(String, RegionCode)} returns an overridden copy.
 *
 * <pre>{@code
 * CountryRegions regions = CountryRegions.defaults().with("MX", RegionCode.SA);
 * }</pre>
 */
public final class CountryRegions {

    private static final CountryRegions DEFAULTS = new CountryRegions(defaultTable());

    private final Map<String, RegionCode> table;

    private CountryRegions(Map<String, RegionCode> table) {
        this.table = Collections.unmodifiableMap(table);
    }

    /** @return the built-in table */
    public static CountryRegions defaults() {
        return DEFAULTS;
    }

    /** @return a table holding exactly {@code countryToRegion} (country codes are validated) */
    public static CountryRegions of(Map<String, RegionCode> countryToRegion) {
        Map<String, RegionCode> copy = new HashMap<>();
        countryToRegion.forEach((c, r) -> copy.put(GeoInfo.Countries.normalize(c, "country"), r));
        return new CountryRegions(copy);
    }

    /** @return a copy of this table where {@code country} belongs to {@code region} */
    public CountryRegions with(String country, RegionCode region) {
        Map<String, RegionCode> copy = new HashMap<>(table);
        copy.put(GeoInfo.Countries.normalize(country, "country"), region);
        return new CountryRegions(copy);
    }

    /** @return the region of this country (case-insensitive), if the table has it */
    public Optional<RegionCode> regionOf(String country) {
        return Optional.ofNullable(table.get(country.toUpperCase(Locale.ROOT)));
    }

    /** @return the geo info of a country, if the table has it */
    public Optional<GeoInfo> geoOf(String country) {
        return regionOf(country).map(r -> new GeoInfo(country, r));
    }

    /** @return the whole table, unmodifiable */
    public Map<String, RegionCode> asMap() {
        return table;
    }

    private static Map<String, RegionCode> defaultTable() {
        Map<String, RegionCode> t = new HashMap<>();
        put(t, RegionCode.SA, "AR BO BR CL CO EC FK GF GY PE PY SR UY VE");
        put(t, RegionCode.US, "US CA MX");
        put(t, RegionCode.EU, "DE FR GB ES IT PT NL BE");
        put(t, RegionCode.AP, "JP CN IN AU NZ SG KR");
        put(t, RegionCode.AF, "ZA NG EG KE");
        put(t, RegionCode.ME, "AE SA IL");
        return t;
    }

    private static void put(Map<String, RegionCode> t, RegionCode region, String countries) {
        for (String c : countries.split(" ")) {
            t.put(c, region);
        }
    }
}
