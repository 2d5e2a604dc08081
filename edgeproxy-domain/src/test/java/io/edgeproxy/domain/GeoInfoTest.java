package io.edgeproxy.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeoInfoTest {

    @Test
    void upperCasesTheCountry() {
        GeoInfo geo = GeoInfo.of(" br ", "SA");

        assertThat(geo.country()).isEqualTo("BR");
        assertThat(geo.region()).isEqualTo(RegionCode.SA);
        assertThat(geo).isEqualTo(new GeoInfo("BR", RegionCode.SA));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "B", "BRA", "B1", "Ä1", "ÄB", "-B"})
    void refusesACountryThatIsNotTwoAsciiLetters(String country) {
        assertThatThrownBy(() -> new GeoInfo(country, RegionCode.SA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("country must be an ISO 3166-1 alpha-2 code such as \"BR\", but was \"" + country + "\"");
    }

    @Test
    void refusesMissingParts() {
        assertThatThrownBy(() -> new GeoInfo(null, RegionCode.SA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("country must not be null");
        assertThatThrownBy(() -> new GeoInfo("BR", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("region must not be null");
    }
}
