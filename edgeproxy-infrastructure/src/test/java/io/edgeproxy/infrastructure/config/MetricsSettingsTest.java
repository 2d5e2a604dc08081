package io.edgeproxy.infrastructure.config;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricsSettingsTest {

    private static MetricsSettings read(Map<String, String> vars) {
        Env env = Env.of(vars);
        MetricsSettings s = MetricsSettings.read(env);
        env.validate();
        return s;
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        MetricsSettings s = read(Map.of());
        assertThat(s.enabled()).isFalse();
        assertThat(s.listenAddress()).isEqualTo(new InetSocketAddress("0.0.0.0", 9090));
        assertThat(s.path()).isEqualTo("/metrics");
        assertThat(MetricsSettings.ofDefaults()).isEqualTo(s);
        assertThat(s.describe()).isEqualTo("off");
    }

    @Test
    void readsTheThreeVariables() {
        MetricsSettings s = read(Map.of("EDGEPROXY_METRICS_ENABLED", "true", "EDGEPROXY_METRICS_LISTEN_ADDR", "127.0.0.1:9191",
                "EDGEPROXY_METRICS_PATH", "/prom"));
        assertThat(s.enabled()).isTrue();
        assertThat(s.listenAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", 9191));
        assertThat(s.path()).isEqualTo("/prom");
        assertThat(s.describe()).isEqualTo("on at 127.0.0.1:9191/prom");
    }

    @Test
    void everyBadVariableIsNamedWithItsValueEvenWhileOff() {
        assertThatThrownBy(() -> read(Map.of("EDGEPROXY_METRICS_ENABLED", "maybe", "EDGEPROXY_METRICS_LISTEN_ADDR", "9090",
                "EDGEPROXY_METRICS_PATH", "metrics")))
                .isInstanceOf(ConfigException.class)
                .hasMessage(String.join("\n",
                        "EDGEPROXY_METRICS_ENABLED must be true or false, but was \"maybe\"",
                        "EDGEPROXY_METRICS_LISTEN_ADDR must be host:port such as 0.0.0.0:8080 or [::]:8080, but was \"9090\"",
                        "EDGEPROXY_METRICS_PATH must be a URL path starting with '/' without spaces, '?' or '#', such as /metrics,"
                                + " but was \"metrics\""));
    }

    @Test
    void theRecordRejectsABadPath() {
        assertThatThrownBy(() -> new MetricsSettings(true, new InetSocketAddress(9090), "/a?b"))
                .hasMessage("path must start with '/' and hold no spaces, '?' or '#', such as /metrics, but was \"/a?b\"");
    }
}
