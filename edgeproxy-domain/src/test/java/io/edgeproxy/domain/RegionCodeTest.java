package io.edgeproxy.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegionCodeTest {

    @Test
    void isCaseInsensitiveAndTrimmed() {
        assertThat(RegionCode.of(" EU ")).isEqualTo(RegionCode.EU);
        assertThat(RegionCode.of("Eu").value()).isEqualTo("eu");
    }

    @Test
    void namesTheSixBuiltInRegions() {
        assertThat(RegionCode.SA.value()).isEqualTo("sa");
        assertThat(RegionCode.US.value()).isEqualTo("us");
        assertThat(RegionCode.EU.value()).isEqualTo("eu");
        assertThat(RegionCode.AP.value()).isEqualTo("ap");
        assertThat(RegionCode.AF.value()).isEqualTo("af");
        assertThat(RegionCode.ME.value()).isEqualTo("me");
    }

    @Test
    void acceptsCustomRegionsOfLettersDigitsAndDashes() {
        assertThat(RegionCode.of("sa-east-1").toString()).isEqualTo("sa-east-1");
        assertThat(RegionCode.of("a".repeat(32)).value()).hasSize(32);
    }

    @Test
    void refusesEmptyAndTooLongCodes() {
        assertThatThrownBy(() -> RegionCode.of("  "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("region must be 1 to 32 characters, but was \"\"");
        String tooLong = "a".repeat(33);
        assertThatThrownBy(() -> RegionCode.of(tooLong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("region must be 1 to 32 characters, but was \"" + tooLong + "\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"eu west", "eu_west", "eu.1", "ré"})
    void refusesOtherCharacters(String value) {
        assertThatThrownBy(() -> RegionCode.of(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("region must hold only letters, digits and '-', but was \"" + value + "\"");
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> RegionCode.of(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("region must not be null");
    }
}
