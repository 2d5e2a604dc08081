package io.edgeproxy.infrastructure.pool;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PoolConfigTest {

    @Test
    void defaultsMatchTheDocumentation() {
        PoolConfig c = PoolConfig.ofDefaults();
        assertThat(c.maxConnectionsPerBackend()).isEqualTo(10);
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.maxLifetime()).isEqualTo(Duration.ofSeconds(300));
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.warmConnectionsPerBackend()).isEqualTo(2);
    }

    @Test
    void builderCopiesEveryField() {
        PoolConfig c = PoolConfig.builder().maxConnectionsPerBackend(20).idleTimeout(Duration.ofSeconds(30))
                .maxLifetime(Duration.ofMinutes(10)).connectTimeout(Duration.ofMillis(1500))
                .warmConnectionsPerBackend(4).build();
        assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
        assertThat(c.toString()).contains("maxConnectionsPerBackend=20", "idleTimeout=PT30S", "maxLifetime=PT10M",
                "connectTimeout=PT1.5S", "warmConnectionsPerBackend=4");
    }

    @Test
    void warmSparesDefaultToNoMoreThanTheLimit() {
        assertThat(PoolConfig.builder().maxConnectionsPerBackend(1).build().warmConnectionsPerBackend()).isEqualTo(1);
        assertThat(PoolConfig.builder().maxConnectionsPerBackend(5).build().warmConnectionsPerBackend()).isEqualTo(2);
    }

    @Test
    void rejectsOutOfRangeValuesNamingFieldRuleAndValue() {
        assertThatThrownBy(() -> PoolConfig.builder().maxConnectionsPerBackend(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxConnectionsPerBackend must be >= 1, but was 0");
        assertThatThrownBy(() -> PoolConfig.builder().idleTimeout(Duration.ZERO).build())
                .hasMessage("idleTimeout must be positive, but was PT0S");
        assertThatThrownBy(() -> PoolConfig.builder().maxLifetime(Duration.ofSeconds(-1)).build())
                .hasMessage("maxLifetime must be positive, but was PT-1S");
        assertThatThrownBy(() -> PoolConfig.builder().connectTimeout(null).build())
                .hasMessage("connectTimeout must not be null");
        assertThatThrownBy(() -> PoolConfig.builder().connectTimeout(Duration.ofNanos(10)).build())
                .hasMessage("connectTimeout must be at least 1 ms, but was PT0.00000001S");
        assertThatThrownBy(() -> PoolConfig.builder().warmConnectionsPerBackend(11).build())
                .hasMessage("warmConnectionsPerBackend must be between 0 and maxConnectionsPerBackend (10), but was 11");
        assertThatThrownBy(() -> PoolConfig.builder().warmConnectionsPerBackend(-1).build())
                .hasMessage("warmConnectionsPerBackend must be between 0 and maxConnectionsPerBackend (10), but was -1");
    }
}
