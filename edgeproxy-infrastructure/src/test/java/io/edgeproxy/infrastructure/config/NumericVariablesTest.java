package io.edgeproxy.infrastructure.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every numeric variable against the same bad values: each stops startup with one line naming it. */
class NumericVariablesTest {

    /** Variables where 0 is a valid value (a timeout switched off, no idle database connection). */
    private static final Set<String> ZERO_ALLOWED = Set.of("EDGEPROXY_IDLE_TIMEOUT_SECS",
            "EDGEPROXY_BACKEND_RESPONSE_TIMEOUT_SECS", "EDGEPROXY_POSTGRES_MIN_CONNECTIONS");

    private static final List<String> NUMERIC = List.of(
            "EDGEPROXY_BINDING_TTL_SECS", "EDGEPROXY_BINDING_GC_INTERVAL_SECS", "EDGEPROXY_BINDING_MAX_ENTRIES",
            "EDGEPROXY_EVENT_LOOPS", "EDGEPROXY_MAX_CONNECTIONS", "EDGEPROXY_CONNECT_TIMEOUT_SECS",
            "EDGEPROXY_IDLE_TIMEOUT_SECS", "EDGEPROXY_BACKEND_RESPONSE_TIMEOUT_SECS", "EDGEPROXY_BUFFER_SIZE",
            "EDGEPROXY_CONFIG_WATCH_INTERVAL_SECS", "EDGEPROXY_SHUTDOWN_TIMEOUT_SECS",
            "EDGEPROXY_RATE_LIMIT_MAX_REQUESTS", "EDGEPROXY_RATE_LIMIT_WINDOW_SECS", "EDGEPROXY_RATE_LIMIT_BURST",
            "EDGEPROXY_CIRCUIT_FAILURE_THRESHOLD", "EDGEPROXY_CIRCUIT_SUCCESS_THRESHOLD", "EDGEPROXY_CIRCUIT_TIMEOUT_SECS",
            "EDGEPROXY_HEALTH_CHECK_INTERVAL_SECS", "EDGEPROXY_HEALTH_CHECK_TIMEOUT_SECS",
            "EDGEPROXY_HEALTH_HEALTHY_THRESHOLD", "EDGEPROXY_HEALTH_UNHEALTHY_THRESHOLD",
            "EDGEPROXY_POOL_MAX_PER_BACKEND", "EDGEPROXY_POOL_IDLE_TIMEOUT_SECS", "EDGEPROXY_POOL_MAX_LIFETIME_SECS",
            "EDGEPROXY_POOL_CONNECT_TIMEOUT_SECS", "EDGEPROXY_POSTGRES_MAX_CONNECTIONS",
            "EDGEPROXY_POSTGRES_MIN_CONNECTIONS", "EDGEPROXY_POSTGRES_CONNECT_TIMEOUT_SECS",
            "EDGEPROXY_POSTGRES_QUERY_TIMEOUT_SECS", "EDGEPROXY_POSTGRES_RELOAD_SECS");

    static Stream<Arguments> cases() {
        return NUMERIC.stream().flatMap(name -> Stream.of("0", "-1", "1.5", "9999999999999", "", "garbage")
                .map(value -> Arguments.of(name, value)));
    }

    private static void read(Map<String, String> environment) {
        Env env = Env.of(environment);
        EdgeProxySettings.read(env);
        PostgresSettings.read(env);
        MetricsSettings.read(env);
        env.validate();
    }

    @ParameterizedTest(name = "{0}=\"{1}\"")
    @MethodSource("cases")
    void aBadValueNamesTheVariableAndTheValueOnOneLine(String name, String value) {
        Map<String, String> env = Map.of(name, value);
        if (value.isEmpty() || value.equals("0") && ZERO_ALLOWED.contains(name)) {
            assertThatCode(() -> read(env)).as("an empty value is unset; 0 switches %s off", name).doesNotThrowAnyException();
            return;
        }
        assertThatThrownBy(() -> read(env))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).startsWith(name + " ").contains("\"" + value + "\"").doesNotContain("\n");
                    assertThat(e.getMessage()).containsAnyOf("must be", "is refused");
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("componentLimits")
    void aValueOutsideItsComponentsRangeIsReportedByTheVariable(String name, String value, String expected) {
        assertThatThrownBy(() -> read(Map.of(name, value))).isInstanceOf(ConfigException.class).hasMessage(expected);
    }

    static Stream<Arguments> componentLimits() {
        return Stream.of(
                Arguments.of("EDGEPROXY_BINDING_TTL_SECS", "31536001",
                        "EDGEPROXY_BINDING_TTL_SECS \"31536001\" is refused: bindingTtl must be at most PT8760H, but was PT8760H1S"),
                Arguments.of("EDGEPROXY_IDLE_TIMEOUT_SECS", "31536001",
                        "EDGEPROXY_IDLE_TIMEOUT_SECS \"31536001\" is refused: idleTimeout must be at most 365 days, but was PT8760H1S"),
                Arguments.of("EDGEPROXY_EVENT_LOOPS", "5000",
                        "EDGEPROXY_EVENT_LOOPS must be an integer from 1 to 1024, but was \"5000\""));
    }
}
