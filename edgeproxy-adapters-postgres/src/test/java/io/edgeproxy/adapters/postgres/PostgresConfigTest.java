package io.edgeproxy.adapters.postgres;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PostgresConfigTest {

    private static final String URL = "postgres://edgeproxy:secret@postgres:5432/edgeproxy";

    @Test
    void defaultsAreThoseOfTheDocumentation() {
        PostgresConfig config = PostgresConfig.of(URL);

        assertThat(config.maxConnections()).isEqualTo(10);
        assertThat(config.minConnections()).isEqualTo(2);
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.queryTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.reloadInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.changeNotifications()).isTrue();
        assertThat(config.toBuilder().build()).isEqualTo(config);
    }

    @Test
    void toStringMasksThePassword() {
        assertThat(PostgresConfig.of(URL).toString())
                .contains("url=postgres://edgeproxy:***@postgres:5432/edgeproxy")
                .doesNotContain("secret");
    }

    @Test
    void validationNamesTheFieldTheRuleAndTheValue() {
        assertThatThrownBy(() -> PostgresConfig.builder(URL).maxConnections(0).build())
                .hasMessage("maxConnections must be >= 1, but was 0");
        assertThatThrownBy(() -> PostgresConfig.builder(URL).minConnections(-1).build())
                .hasMessage("minConnections must be >= 0, but was -1");
        assertThatThrownBy(() -> PostgresConfig.builder(URL).maxConnections(3).minConnections(4).build())
                .hasMessage("minConnections must be <= maxConnections (3), but was 4");
        assertThatThrownBy(() -> PostgresConfig.builder(URL).connectTimeout(Duration.ofMillis(100)).build())
                .hasMessage("connectTimeout must be between PT0.25S and PT596523H14M7S, but was PT0.1S");
        assertThatThrownBy(() -> PostgresConfig.builder(URL).queryTimeout(Duration.ofMillis(1500)).build())
                .hasMessage("queryTimeout must be whole seconds, but was PT1.5S");
        assertThatThrownBy(() -> PostgresConfig.builder(URL).reloadInterval(Duration.ZERO).build())
                .hasMessage("reloadInterval must be between PT0.001S and PT596523H14M7S, but was PT0S");
        assertThatThrownBy(() -> PostgresConfig.builder(URL).reloadInterval(null).build())
                .hasMessage("reloadInterval must not be null");
        assertThatThrownBy(() -> PostgresConfig.of("http://u:secret@h/d"))
                .hasMessageContaining("but was \"http://u:***@h/d\"").hasMessageNotContaining("secret");
    }
}
