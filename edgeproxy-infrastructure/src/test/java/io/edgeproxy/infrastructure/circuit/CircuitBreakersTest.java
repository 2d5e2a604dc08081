package io.edgeproxy.infrastructure.circuit;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.BackendAvailability;
import io.edgeproxy.domain.testing.FakeTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakersTest {

    private final FakeTicker ticker = new FakeTicker();
    private final CircuitBreakers breakers = new CircuitBreakers(
            CircuitBreakerConfig.builder().failureThreshold(2).build(), ticker);

    static Backend backend(String id) {
        return Backend.builder(id).app("api").region("sa").country("BR").address("127.0.0.1").port(9000).build();
    }

    private void open(String id) {
        CircuitBreaker b = breakers.forBackend(id);
        b.recordFailure();
        b.recordFailure();
    }

    @Test
    void createsOneBreakerPerBackendLazilyFromTheSharedConfig() {
        assertThat(breakers.size()).isZero();
        CircuitBreaker a = breakers.forBackend("sa-1");
        assertThat(breakers.forBackend("sa-1")).isSameAs(a);
        assertThat(breakers.forBackend("sa-2")).isNotSameAs(a);
        assertThat(a.name()).isEqualTo("sa-1");
        assertThat(a.config().failureThreshold()).isEqualTo(2);
        assertThat(breakers.size()).isEqualTo(2);
    }

    @Test
    void anOpenCircuitMakesItsBackendUnavailable() {
        Backend sa1 = backend("sa-1");
        Backend sa2 = backend("sa-2");
        assertThat(breakers.isAvailable(sa1)).isTrue();
        open("sa-1");
        breakers.forBackend("sa-2");
        assertThat(breakers.isAvailable(sa1)).isFalse();
        assertThat(breakers.isAvailable(sa2)).isTrue();
        ticker.advance(Duration.ofSeconds(30));
        assertThat(breakers.isAvailable(sa1)).isTrue();
    }

    @Test
    void aHalfOpenCircuitWithItsTrialTakenIsUnavailable() {
        Backend sa1 = backend("sa-1");
        open("sa-1");
        ticker.advance(Duration.ofSeconds(30));
        assertThat(breakers.isAvailable(sa1)).isTrue();
        assertThat(breakers.forBackend("sa-1").allow()).isTrue();
        assertThat(breakers.isAvailable(sa1)).isFalse();
    }

    @Test
    void availabilityCombinesWithOtherPorts() {
        open("sa-1");
        BackendAvailability both = BackendAvailability.always().and(breakers);
        assertThat(both.isAvailable(backend("sa-1"))).isFalse();
        assertThat(both.isAvailable(backend("sa-9"))).isTrue();
        assertThat(breakers.size()).as("asking about a backend creates no breaker").isEqualTo(1);
    }

    @Test
    void removeAndRetainOnlyDropBreakersOfBackendsThatLeft() {
        open("sa-1");
        breakers.forBackend("sa-2");
        breakers.forBackend("sa-3");
        assertThat(breakers.remove("sa-1")).isTrue();
        assertThat(breakers.remove("sa-1")).isFalse();
        assertThat(breakers.forBackend("sa-1").state()).isEqualTo(CircuitState.CLOSED);
        breakers.retainOnly(Set.of("sa-2"));
        assertThat(breakers.states()).containsOnlyKeys("sa-2");
        assertThat(breakers.find("sa-3")).isEmpty();
    }

    @Test
    void registryListenersHearEveryBreakerIncludingThoseCreatedLater() {
        List<String> heard = new ArrayList<>();
        breakers.forBackend("sa-1");
        breakers.onStateChange((b, from, to) -> heard.add(b.name() + " " + to));
        breakers.onStateChange((b, from, to) -> {
            throw new IllegalStateException("listener bug");
        });
        breakers.onStateChange((b, from, to) -> heard.add("second " + b.name()));
        open("sa-1");
        open("sa-2");
        assertThat(heard).containsExactly("sa-1 OPEN", "second sa-1", "sa-2 OPEN", "second sa-2");
    }

    @Test
    void disabledRegistryAllowsEverything() {
        CircuitBreakers off = CircuitBreakers.disabled();
        CircuitBreaker b = off.forBackend("sa-1");
        for (int i = 0; i < 100; i++) {
            b.recordFailure();
        }
        assertThat(off.isAvailable(backend("sa-1"))).isTrue();
        assertThat(b.allow()).isTrue();
        assertThat(off.size()).isZero();
    }
}
