package io.edgeproxy.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CountryRegionsTest {

    private final CountryRegions defaults = CountryRegions.defaults();

    @Test
    void coversEveryIsoCountryTheJdkKnows() {
        List<String> missing = Arrays.stream(Locale.getISOCountries())
                .filter(c -> defaults.regionOf(c).isEmpty())
                .toList();

        assertThat(missing).isEmpty();
    }

    @Test
    void holdsOnlyIsoCountriesPlusKosovo() {
        Set<String> iso = Set.of(Locale.getISOCountries());

        assertThat(defaults.asMap().keySet()).allMatch(c -> iso.contains(c) || c.equals("XK"));
        assertThat(defaults.asMap()).hasSize(iso.size() + 1);
    }

    @Test
    void usesOnlyTheSixBuiltInRegions() {
        assertThat(Set.copyOf(defaults.asMap().values()))
                .containsExactlyInAnyOrder(RegionCode.SA, RegionCode.US, RegionCode.EU, RegionCode.AP, RegionCode.AF, RegionCode.ME);
    }

    @ParameterizedTest(name = "{0} is in {1}")
    @CsvSource({
            "BR, sa", "AR, sa", "GT, sa", "PA, sa", "CR, sa", "FK, sa",
            "US, us", "CA, us", "MX, us", "JM, us", "PR, us", "TT, us", "CU, us", "GL, us",
            "DE, eu", "GB, eu", "RU, eu", "UA, eu", "CY, eu", "GE, eu", "XK, eu",
            "JP, ap", "IN, ap", "AU, ap", "KZ, ap", "UZ, ap", "GU, ap", "AQ, ap",
            "ZA, af", "NG, af", "EG, af", "MA, af", "RE, af",
            "AE, me", "SA, me", "IL, me", "TR, me", "IR, me", "IQ, me", "YE, me"})
    void placesCountriesAsTheClassDocumentationSays(String country, String region) {
        assertThat(defaults.regionOf(country)).contains(RegionCode.of(region));
    }

    @Test
    void looksCountriesUpCaseInsensitively() {
        assertThat(defaults.regionOf("br")).contains(RegionCode.SA);
        assertThat(defaults.geoOf("de")).contains(new GeoInfo("DE", RegionCode.EU));
    }

    @Test
    void knowsNothingOfAnUnassignedCode() {
        assertThat(defaults.regionOf("ZZ")).isEmpty();
        assertThat(defaults.geoOf("ZZ")).isEmpty();
    }

    @Test
    void withOverridesOneCountryInACopy() {
        CountryRegions custom = defaults.with("mx", RegionCode.SA);

        assertThat(custom.regionOf("MX")).contains(RegionCode.SA);
        assertThat(custom.regionOf("US")).contains(RegionCode.US);
        assertThat(defaults.regionOf("MX")).contains(RegionCode.US);
    }

    @Test
    void withAddsACountryTheTableLacks() {
        assertThat(defaults.with("ZZ", RegionCode.of("lab")).regionOf("ZZ")).contains(RegionCode.of("lab"));
    }

    @Test
    void ofHoldsExactlyTheGivenTable() {
        CountryRegions custom = CountryRegions.of(Map.of("br", RegionCode.of("sa-east"), "US", RegionCode.US));

        assertThat(custom.asMap()).containsOnly(Map.entry("BR", RegionCode.of("sa-east")), Map.entry("US", RegionCode.US));
        assertThat(custom.regionOf("AR")).isEmpty();
    }

    @Test
    void ofCopiesTheGivenMap() {
        Map<String, RegionCode> source = new HashMap<>(Map.of("BR", RegionCode.SA));
        CountryRegions custom = CountryRegions.of(source);

        source.put("AR", RegionCode.SA);

        assertThat(custom.regionOf("AR")).isEmpty();
    }

    @Test
    void refusesACountryThatIsNotAnAlpha2Code() {
        assertThatThrownBy(() -> defaults.with("MEX", RegionCode.SA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("country must be an ISO 3166-1 alpha-2 code such as \"BR\", but was \"MEX\"");
        assertThatThrownBy(() -> CountryRegions.of(Map.of("B", RegionCode.SA)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("country must be an ISO 3166-1 alpha-2 code such as \"BR\", but was \"B\"");
    }

    @Test
    void refusesAMissingRegion() {
        assertThatThrownBy(() -> defaults.with("BR", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("region of country BR must not be null");
        Map<String, RegionCode> table = new HashMap<>();
        table.put("br", null);
        assertThatThrownBy(() -> CountryRegions.of(table))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("region of country BR must not be null");
    }

    @Test
    void isImmutable() {
        assertThatThrownBy(() -> defaults.asMap().put("ZZ", RegionCode.EU))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
