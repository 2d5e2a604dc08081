package io.edgeproxy.domain;

import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which region each country belongs to. {@link #defaults()} covers every ISO 3166-1 alpha-2 code
 * the JDK knows ({@link Locale#getISOCountries()}) plus {@code XK} (Kosovo, the user-assigned code
 * GeoIP databases use):
 * <ul>
 *   <li>{@code sa}: South America and Central America (Belize to Panama), the Falklands and South
 *       Georgia;</li>
 *   <li>{@code us}: North America (Canada, the United States, Mexico, Greenland, Bermuda, Saint
 *       Pierre and Miquelon) and the whole Caribbean, including Trinidad and Tobago and the ABC
 *       islands;</li>
 *   <li>{@code eu}: Europe, including Russia, Belarus, Ukraine, Cyprus and the Caucasus (Georgia,
 *       Armenia, Azerbaijan);</li>
 *   <li>{@code ap}: Asia and Oceania, including Central Asia, Afghanistan, Pakistan, the Pacific
 *       islands (US territories such as Guam and American Samoa too), Antarctica and the remote
 *       Australian and Indian Ocean territories;</li>
 *   <li>{@code af}: Africa, including Egypt, Sudan and Libya, the African island states, Saint
 *       Helena, Bouvet Island and the French Southern Territories;</li>
 *   <li>{@code me}: the Middle East: Turkey, Iran, Iraq, the Levant (Israel, Palestine, Jordan,
 *       Lebanon, Syria), the Gulf states and Yemen.</li>
 * </ul>
 * These are judgment calls (Mexico could be {@code sa}, Egypt {@code me}, Turkey {@code eu});
 * override them where your network says otherwise. Immutable and thread-safe;
 * {@link #with(String, RegionCode)} returns an overridden copy and {@link #of(Map)} replaces the
 * table whole.
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
        countryToRegion.forEach((c, r) -> {
            String country = GeoInfo.Countries.normalize(c, "country");
            copy.put(country, requireRegion(country, r));
        });
        return new CountryRegions(copy);
    }

    /** @return a copy of this table where {@code country} belongs to {@code region} */
    public CountryRegions with(String country, RegionCode region) {
        Map<String, RegionCode> copy = new HashMap<>(table);
        String c = GeoInfo.Countries.normalize(country, "country");
        copy.put(c, requireRegion(c, region));
        return new CountryRegions(copy);
    }

    private static RegionCode requireRegion(String country, RegionCode region) {
        if (region == null) {
            throw new IllegalArgumentException("region of country " + country + " must not be null");
        }
        return region;
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
        put(t, RegionCode.SA, "AR BO BR CL CO EC FK GF GS GY PE PY SR UY VE"
                + " BZ CR GT HN NI PA SV");
        put(t, RegionCode.US, "US CA MX GL BM PM"
                + " AG AI AW BB BL BQ BS CU CW DM DO GD GP HT JM KN KY LC MF MQ MS PR SX TC TT VC VG VI");
        put(t, RegionCode.EU, "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS"
                + " IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK GE AM AZ");
        put(t, RegionCode.AP, "AF BD BN BT CN HK ID IN JP KH KP KR LA LK MM MN MO MV MY NP PH PK SG TH TL TW VN"
                + " KZ KG TJ TM UZ"
                + " AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"
                + " AQ CC CX HM IO");
        put(t, RegionCode.AF, "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS"
                + " LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW"
                + " BV TF");
        put(t, RegionCode.ME, "AE BH IL IQ IR JO KW LB OM PS QA SA SY TR YE");
        return t;
    }

    private static void put(Map<String, RegionCode> t, RegionCode region, String countries) {
        for (String c : countries.split(" ")) {
            if (t.put(c, region) != null) {
                throw new IllegalStateException("country " + c + " is listed twice");
            }
        }
    }
}
