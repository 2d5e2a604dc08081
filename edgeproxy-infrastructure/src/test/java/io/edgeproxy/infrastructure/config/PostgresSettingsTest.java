package io.edgeproxy.infrastructure.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PostgresSettingsTest {

    private static final String URL = "postgres://edgeproxy:secret@postgres:5432/edgeproxy";

    private static PostgresSettings read(Map<String, String> env) {
        Env e = Env.of(env);
        PostgresSettings s = PostgresSettings.read(e);
        e.validate();
        return s;
    }

    @Test
    void offByDefault() {
        assertThat(read(Map.of())).isEqualTo(PostgresSettings.disabled());
        assertThat(PostgresSettings.disabled().describe()).isEqualTo("off");
    }

    @Test
    void theProductionExampleTakesTheDocumentedDefaults() {
        PostgresSettings s = read(Map.of("EDGEPROXY_POSTGRES_ENABLED", "true", "EDGEPROXY_POSTGRES_URL", URL));

        assertThat(s.enabled()).isTrue();
        assertThat(s.url()).contains(URL);
        assertThat(s.maxConnections()).isEqualTo(10);
        assertThat(s.minConnections()).isEqualTo(2);
        assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.queryTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.reloadInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.toString()).contains("postgres://edgeproxy:***@postgres:5432/edgeproxy").doesNotContain("secret");
        assertThat(s.describe()).isEqualTo("postgres://edgeproxy:***@postgres:5432/edgeproxy (pool 2..10, reload every 5 s)");
    }

    @Test
    void readsEveryTuningVariable() {
        PostgresSettings s = read(Map.of("EDGEPROXY_POSTGRES_ENABLED", "1",
                "EDGEPROXY_POSTGRES_URL", "jdbc:postgresql://db/edgeproxy",
                "EDGEPROXY_POSTGRES_MAX_CONNECTIONS", "4", "EDGEPROXY_POSTGRES_MIN_CONNECTIONS", "0",
                "EDGEPROXY_POSTGRES_CONNECT_TIMEOUT_SECS", "2", "EDGEPROXY_POSTGRES_QUERY_TIMEOUT_SECS", "3",
                "EDGEPROXY_POSTGRES_RELOAD_SECS", "30"));

        assertThat(s).isEqualTo(new PostgresSettings(true, Optional.of("jdbc:postgresql://db/edgeproxy"), 4, 0,
                Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(30)));
    }

    @Test
    void theUrlIsRequiredWhenEnabled() {
        assertThatThrownBy(() -> read(Map.of("EDGEPROXY_POSTGRES_ENABLED", "true")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("EDGEPROXY_POSTGRES_URL is required when EDGEPROXY_POSTGRES_ENABLED is true, for example "
                        + "postgres://edgeproxy:secret@postgres:5432/edgeproxy");
    }

    @Test
    void badValuesAreReportedTogetherWithThePasswordMasked() {
        assertThatThrownBy(() -> read(Map.of("EDGEPROXY_POSTGRES_URL", "mysql://root:hunter2@db/x",
                "EDGEPROXY_POSTGRES_MAX_CONNECTIONS", "0",
                "EDGEPROXY_POSTGRES_RELOAD_SECS", "5s")))
                .isInstanceOf(ConfigException.class)
                .hasMessage(String.join("\n",
                        "EDGEPROXY_POSTGRES_URL must be a URL such as postgres://user:password@host:5432/database or "
                                + "jdbc:postgresql://host:5432/database, but was \"mysql://root:***@db/x\"",
                        "EDGEPROXY_POSTGRES_MAX_CONNECTIONS must be a positive integer, but was \"0\"",
                        "EDGEPROXY_POSTGRES_RELOAD_SECS must be a positive integer, but was \"5s\""));
    }

    @Test
    void minConnectionsMayNotExceedMaxConnections() {
        assertThatThrownBy(() -> read(Map.of("EDGEPROXY_POSTGRES_MAX_CONNECTIONS", "3",
                "EDGEPROXY_POSTGRES_MIN_CONNECTIONS", "5")))
                .hasMessage("EDGEPROXY_POSTGRES_MIN_CONNECTIONS must be at most EDGEPROXY_POSTGRES_MAX_CONNECTIONS (3),"
                        + " but was \"5\"");
    }

    @Test
    void masksBothPasswordForms() {
        assertThat(PostgresSettings.maskPassword("jdbc:postgresql://h/d?user=u&password=p")).isEqualTo(
                "jdbc:postgresql://h/d?user=u&password=***");
        assertThat(PostgresSettings.maskPassword("postgres://u:p@h/d")).isEqualTo("postgres://u:***@h/d");
    }
}
