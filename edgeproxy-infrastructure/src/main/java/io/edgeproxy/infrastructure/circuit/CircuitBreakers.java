package io.edgeproxy.infrastructure.circuit;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.Ticker;
import io.edgeproxy.domain.port.BackendAvailability;
import io.edgeproxy.infrastructure.proxy.BackendGate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One {@link CircuitBreaker} per backend, created on first use from one configuration: the
 * {@link BackendAvailability} that hides backends whose circuit does not permit a call, and the
 * engine's {@link BackendGate}.
 *
 * <p>For the proxy: {@link #isAvailable(Backend)} (no permit taken) while filtering candidates; then
 * {@link #tryAcquire(Backend)} before each connect attempt, which looks the backend's breaker up once
 * and returns that breaker's permit ({@link Permit#DENIED} means try the next backend); the attempt's
 * verdict goes to the permit itself, with no second lookup. Breakers are created only by
 * {@link #forBackend} and {@link #tryAcquire}, so there are as many as backends the caller names;
 * {@link #retainOnly} drops those of backends that left the repository (a permit of a dropped breaker
 * still settles harmlessly on it).
 *
 * <p>{@link #disabled()} is the null object: every backend is available, {@link #tryAcquire}
 * returns {@link Permit#NONE} and no breaker is ever created.
 *
 * <p>{@link #reconfigure(CircuitBreakerConfig)} changes the settings while calls go on. A breaker
 * that is CLOSED takes the new settings at once (its count of consecutive failures starts again);
 * one that is OPEN or HALF_OPEN keeps its state and finishes that cycle under the settings it opened
 * with, then takes the new ones when it next closes. New breakers use the new settings.
 *
 * <p>Thread-safe. {@link #tryAcquire} and {@link #forBackend} of a known id and {@link #isAvailable}
 * are lock-free reads; creating a breaker happens once per backend.
 *
 * <pre>{@code
 * CircuitBreakers breakers = new CircuitBreakers(CircuitBreakerConfig.ofDefaults());
 * BackendAvailability availability = healthMonitor.and(breakers);   // filter candidates
 * Permit permit = breakers.tryAcquire(backend);                     // one connect attempt
 * if (permit != Permit.DENIED) {
 *     // connect; then permit.onSuccess(), permit.onFailure() or permit.release()
 * }
 * }</pre>
 */
public final class CircuitBreakers implements BackendAvailability, BackendGate {

    private static final Logger log = LoggerFactory.getLogger(CircuitBreakers.class);
    private static final CircuitBreakers DISABLED = new CircuitBreakers();

    private volatile CircuitBreakerConfig config;
    private final Ticker ticker;
    private final ConcurrentHashMap<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final List<CircuitStateListener> listeners = new CopyOnWriteArrayList<>();
    private final CircuitStateListener dispatcher = this::dispatch;
    private final boolean enabled;

    /** Breakers on the system clock. */
    public CircuitBreakers(CircuitBreakerConfig config) {
        this(config, Ticker.system());
    }

    /** Breakers on the given clock (tests drive a fake one). */
    public CircuitBreakers(CircuitBreakerConfig config, Ticker ticker) {
        this.config = Objects.requireNonNull(config, "config");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.enabled = true;
    }

    private CircuitBreakers() {
        this.config = CircuitBreakerConfig.ofDefaults();
        this.ticker = Ticker.system();
        this.enabled = false;
    }

    /**
     * @return the registry of a disabled feature: every backend is available, {@link #tryAcquire}
     *         returns {@link Permit#NONE}, and {@link #forBackend} hands out
     *         {@link CircuitBreaker#disabled()}
     */
    public static CircuitBreakers disabled() {
        return DISABLED;
    }

    /** @return the backend's breaker, created CLOSED on first use */
    public CircuitBreaker forBackend(String backendId) {
        if (!enabled) {
            return CircuitBreaker.disabled();
        }
        CircuitBreaker b = breakers.get(backendId);
        if (b != null) {
            CircuitBreakerConfig current = config;
            if (b.config() == current || b.state() != CircuitState.CLOSED) {
                return b;
            }
            CircuitBreaker fresh = newBreaker(backendId, current);
            return breakers.replace(backendId, b, fresh) ? fresh : forBackend(backendId);
        }
        return breakers.computeIfAbsent(Objects.requireNonNull(backendId, "backendId"), id -> newBreaker(id, config));
    }

    private CircuitBreaker newBreaker(String backendId, CircuitBreakerConfig with) {
        return new CircuitBreaker(backendId, with, ticker).onStateChange(dispatcher);
    }

    /**
     * Switches every breaker to {@code config}: CLOSED ones at once, OPEN and HALF_OPEN ones when
     * they next close (see the class comment). Thread-safe.
     *
     * @throws IllegalStateException on {@link #disabled()}: circuit breaking cannot be switched on here
     */
    public void reconfigure(CircuitBreakerConfig config) {
        Objects.requireNonNull(config, "config");
        if (!enabled) {
            throw new IllegalStateException("circuit breaking is off; CircuitBreakers.disabled() cannot be switched on");
        }
        this.config = config;
        for (String id : breakers.keySet()) {
            forBackend(id); // swaps the CLOSED ones now
        }
    }

    /**
     * Asks the backend's breaker (created CLOSED on first use) for the permit of one attempt.
     *
     * @return the breaker's permit (see {@link CircuitBreaker#tryAcquirePermit()}), or
     *         {@link Permit#DENIED}; {@link Permit#NONE} when disabled
     */
    @Override
    public Permit tryAcquire(Backend backend) {
        if (!enabled) {
            return Permit.NONE;
        }
        return forBackend(backend.id()).tryAcquirePermit();
    }

    /** @return the backend's breaker if it has one; never creates one */
    public Optional<CircuitBreaker> find(String backendId) {
        return Optional.ofNullable(breakers.get(backendId));
    }

    /** @return false when its circuit is OPEN, or HALF_OPEN with every trial permit taken */
    @Override
    public boolean isAvailable(Backend backend) {
        CircuitBreaker b = breakers.get(backend.id());
        return b == null || b.isCallPermitted();
    }

    /** Drops the backend's breaker (its next use starts CLOSED). @return whether it had one */
    public boolean remove(String backendId) {
        return breakers.remove(backendId) != null;
    }

    /** Drops the breakers of every backend not in {@code backendIds}. */
    public void retainOnly(Collection<String> backendIds) {
        Set<String> keep = backendIds instanceof Set ? (Set<String>) backendIds : new HashSet<>(backendIds);
        breakers.keySet().retainAll(keep);
    }

    /**
     * Adds a listener for the state changes of every breaker, present and future; on
     * {@link #disabled()}, which has no breakers, nothing is kept. @return this
     */
    public CircuitBreakers onStateChange(CircuitStateListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (enabled) {
            listeners.add(listener);
        }
        return this;
    }

    /** @return the state of every breaker, by backend id, sorted */
    public Map<String, CircuitState> states() {
        Map<String, CircuitState> out = new TreeMap<>();
        breakers.forEach((id, b) -> out.put(id, b.state()));
        return out;
    }

    /** @return the number of breakers held */
    public int size() {
        return breakers.size();
    }

    /** @return the configuration new breakers are built from (the latest {@link #reconfigure}) */
    public CircuitBreakerConfig config() {
        return config;
    }

    private void dispatch(CircuitBreaker breaker, CircuitState from, CircuitState to) {
        for (CircuitStateListener l : listeners) {
            try {
                l.onStateChange(breaker, from, to);
            } catch (RuntimeException e) {
                log.warn("circuit {} state listener {} failed on {} -> {}", breaker.name(), l, from, to, e);
            }
        }
    }

    @Override
    public String toString() {
        return enabled ? "CircuitBreakers[" + breakers.size() + " breakers, " + config + "]" : "CircuitBreakers[disabled]";
    }
}
