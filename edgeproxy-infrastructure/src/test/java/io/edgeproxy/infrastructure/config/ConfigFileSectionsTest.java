package io.edgeproxy.infrastructure.config;

import io.edgeproxy.infrastructure.health.HealthCheckType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigFileSectionsTest {

    private static ResilienceSettings env(String... keyValues) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        Env e = Env.of(m);
        ResilienceSettings s = ResilienceSettings.read(e);
        e.validate();
        return s;
    }

    @Test
    void aKeyInTheFileOverridesItsVariableAndTheOthersStay() {
        ConfigFile file = ConfigFile.parse("c.toml", String.join("\n",
                "[rate_limit]", "burst = 50",
                "[circuit_breaker]", "timeout_secs = 60",
                "[health_check]", "type = 'http'", "path = '/ready'", "interval_secs = 10"));
        ResilienceSettings s = file.applyTo(env("EDGEPROXY_RATE_LIMIT_ENABLED", "true", "EDGEPROXY_RATE_LIMIT_MAX_REQUESTS",
                "1000", "EDGEPROXY_CIRCUIT_BREAKER_ENABLED", "true", "EDGEPROXY_HEALTH_CHECK_ENABLED", "true"));

        assertThat(s.rateLimit().orElseThrow().burstSize()).isEqualTo(50);
        assertThat(s.rateLimit().orElseThrow().maxRequests()).isEqualTo(1000);
        assertThat(s.circuitBreaker().orElseThrow().timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.healthCheck().orElseThrow().checkType()).isEqualTo(HealthCheckType.http("/ready"));
        assertThat(s.healthCheck().orElseThrow().interval()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void errorsNameTheFileTheLineTheSectionAndTheKey() {
        assertThatThrownBy(() -> ConfigFile.parse("c.toml", "[rate_limit]\nburst = 10\nbrust = 3\n"))
                .hasMessage("c.toml:3: [rate_limit]: unknown key \"brust\"; known keys: max_requests, window_secs, burst");
        assertThatThrownBy(() -> ConfigFile.parse("c.toml", "[circuit_breaker]\n\ntimeout_secs = 0\n"))
                .hasMessage("c.toml:3: [circuit_breaker]: timeout_secs must be an integer >= 1, but was 0");
        assertThatThrownBy(() -> ConfigFile.parse("c.toml", "[health_check]\ntype = 'udp'\n"))
                .hasMessage("c.toml:2: [health_check]: type must be \"tcp\" or \"http\", but was \"udp\"");
        assertThatThrownBy(() -> ConfigFile.parse("c.toml", "[health_check]\ninterval_secs = 100000\n"))
                .hasMessageStartingWith("c.toml:1: [health_check]: interval must be at most");
        assertThatThrownBy(() -> ConfigFile.parse("c.toml", "rate_limit = { burst = 'ten' }\n"))
                .hasMessage("c.toml:1: [rate_limit]: burst must be an integer >= 1, but was \"ten\" (a string)");
    }

    @Test
    void aBackendCountryMustBeInTheSameTableAsGeo() {
        assertThatThrownBy(() -> ConfigFile.parse("c.toml", String.join("\n", "[[backends]]", "id = 'x'", "app = 'api'",
                "region = 'sa'", "country = 'ZZ'", "wg_ip = '10.0.0.1'", "port = 80")))
                .hasMessage("c.toml:5: [[backends]] #1 (id \"x\"): country \"ZZ\" is not an ISO 3166-1 alpha-2 code with"
                        + " a region (see docs/geo-routing.md)");
    }

    @Test
    void aSectionForAComponentThatIsOffIsNamedInAWarning() {
        ConfigFile file = ConfigFile.parse("c.toml", "\n[rate_limit]\nburst = 5\n");

        assertThat(file.applyTo(env()).rateLimit()).isEmpty();
        assertThat(file.ignoredSections(env())).containsExactly("c.toml:2: [rate_limit] is ignored: the component is off"
                + " (EDGEPROXY_RATE_LIMIT_ENABLED is not true), and neither the file nor a reload can switch it on;"
                + " set EDGEPROXY_RATE_LIMIT_ENABLED=true and restart");
    }

    @Test
    void aGeoChangeNeedsARestart() {
        ConfigFile before = ConfigFile.parse("c.toml", "[[geo]]\ncidr = '10.0.0.0/8'\ncountry = 'BR'\n");
        ConfigFile after = ConfigFile.parse("c.toml", "[[geo]]\ncidr = '10.0.0.0/8'\ncountry = 'DE'\n");

        assertThat(after.restartRequiredChanges(before)).containsExactly("[[geo]]");
        assertThat(before.restartRequiredChanges(before)).isEmpty();
    }
}
