package io.edgeproxy.infrastructure.circuit;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.BackendAvailability;
import io.edgeproxy.infrastructure.proxy.BackendGate;
import io.edgeproxy.infrastructure.proxy.BackendGate.Permit;
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
        Backend backend = backend(id);
        breakers.tryAcquire(backend).onFailure();
        breakers.tryAcquire(backend).onFailure();
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
        assertThat(breakers.tryAcquire(sa1)).isNotSameAs(Permit.DENIED);
        assertThat(breakers.isAvailable(sa1)).isFalse();
        assertThat(breakers.tryAcquire(sa1)).isSameAs(Permit.DENIED);
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
    void theGateHandsOutTheBackendsOwnPermitsAndVerdictsGoToThem() {
        BackendGate gate = breakers;
        Backend sa1 = backend("sa-1");
        Permit closed = gate.tryAcquire(sa1);
        assertThat(gate.tryAcquire(sa1)).as("CLOSED: one shared permit, nothing allocated").isSameAs(closed);
        assertThat(breakers.size()).isEqualTo(1);
        closed.onFailure();
        closed.onFailure();
        assertThat(breakers.forBackend("sa-1").state()).isEqualTo(CircuitState.OPEN);
        assertThat(gate.tryAcquire(sa1)).isSameAs(Permit.DENIED);
        assertThat(gate.tryAcquire(backend("sa-2"))).as("other backends are not affected")
                .isNotSameAs(Permit.DENIED);

        ticker.advance(Duration.ofSeconds(30));
        Permit trial = gate.tryAcquire(sa1);
        closed.onSuccess();                               // a CLOSED-period result: not the trial's
        assertThat(breakers.isAvailable(sa1)).isFalse();
        trial.onSuccess();
        trial.onSuccess();                                // settled once: the second is ignored
        assertThat(breakers.forBackend("sa-1").state()).isEqualTo(CircuitState.HALF_OPEN);
    }

    @Test
    void disabledRegistryAllowsEverything() {
        CircuitBreakers off = CircuitBreakers.disabled();
        Backend sa1 = backend("sa-1");
        for (int i = 0; i < 100; i++) {
            Permit p = off.tryAcquire(sa1);
            assertThat(p).isSameAs(Permit.NONE);
            p.onFailure();
        }
        CircuitBreaker b = off.forBackend("sa-1");
        for (int i = 0; i < 100; i++) {
            b.tryAcquirePermit().onFailure();
        }
        assertThat(off.isAvailable(sa1)).isTrue();
        assertThat(b.tryAcquirePermit()).isNotSameAs(Permit.DENIED);
        assertThat(off.size()).isZero();
    }

    @Test
    void disabledRegistryKeepsNoListener() {
        List<String> heard = new ArrayList<>();
        CircuitStateListener listener = (b, from, to) -> heard.add(to.name());   // capturing: a new object
        java.lang.ref.WeakReference<CircuitStateListener> ref = new java.lang.ref.WeakReference<>(listener);
        CircuitBreakers.disabled().onStateChange(listener);
        listener = null;
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
        }
        assertThat(ref.get()).as("the shared disabled registry must not pin a caller's listener").isNull();
    }
}
