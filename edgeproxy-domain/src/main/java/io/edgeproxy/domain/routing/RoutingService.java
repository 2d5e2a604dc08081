package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.Binding;
import io.edgeproxy.domain.ClientKey;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.RegionCode;
import io.edgeproxy.domain.Ticker;
import io.edgeproxy.domain.port.BackendAvailability;
import io.edgeproxy.domain.port.BackendRepository;
import io.edgeproxy.domain.port.BindingRepository;
import io.edgeproxy.domain.port.GeoResolver;
import io.edgeproxy.domain.port.LoadBalancer;
import io.edgeproxy.domain.port.RoutingContext;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The routing use case: which backend gets a new client connection.
 *
 * <ol>
 *   <li>Affinity: a client with a live binding goes back to its backend, as long as that backend
 *       is still known, healthy, available, not excluded and below its hard limit. A binding that
 *       expired is never used, even before garbage collection removes it; a binding to a backend
 *       that cannot take the client is dropped.</li>
 *   <li>Otherwise the client's location is resolved and the {@link LoadBalancer} chooses among the
 *       backends that can take a new client: healthy, available, not excluded, of weight above 0
 *       and below their hard limit. Any load balancer gets only those; the choice becomes the
 *       client's binding.</li>
 * </ol>
 * The chosen backend's active count is taken at once (see {@link BackendLoad}); the caller gives it
 * back with {@link Route#release()} when the connection ends.
 *
 * <p>The healthy backends are indexed once per {@link BackendRepository#version()} (an immutable
 * {@code CandidateIndex} behind one volatile reference, rebuilt by the first route that sees a new
 * version). With the default {@link GeoScoreLoadBalancer} a new client costs a scan of its nearest
 * geo tier with room and allocates no candidate list; any other load balancer gets a fresh list of
 * the candidates, built from the index.
 *
 * <p>Thread-safe when its ports are. Never blocks when its ports do not.
 *
 * <pre>{@code
 * RoutingService routing = RoutingService.builder()
 *         .backends(repository).bindings(bindings).localRegion(RegionCode.SA).build();
 * Optional<Route> route = routing.route(clientAddress, Set.of());
 * }</pre>
 */
public final class RoutingService {

    /** Defaults to 600 seconds. */
    public static final Duration DEFAULT_BINDING_TTL = Duration.ofSeconds(600);
    /** The longest binding TTL: 365 days (TTLs are compared in nanoseconds). */
    public static final Duration MAX_BINDING_TTL = Duration.ofDays(365);

    private final BackendRepository backends;
    private final BindingRepository bindings;
    private final GeoResolver geoResolver;
    private final LoadBalancer loadBalancer;
    private final BackendAvailability availability;
    private final RegionCode localRegion;
    private final Duration bindingTtl;
    private final Ticker ticker;
    private final BackendLoad load;
    /** The default balancer, routed over the index; null when another balancer was given. */
    private final GeoScoreLoadBalancer geoScore;
    private volatile CandidateIndex index;

    private RoutingService(Builder b) {
        this.backends = Objects.requireNonNull(b.backends, "backends");
        this.bindings = Objects.requireNonNull(b.bindings, "bindings");
        this.geoResolver = b.geoResolver;
        this.loadBalancer = b.loadBalancer;
        this.availability = b.availability;
        this.localRegion = b.localRegion;
        this.bindingTtl = b.bindingTtl;
        this.ticker = b.ticker;
        this.load = b.load;
        this.geoScore = loadBalancer instanceof GeoScoreLoadBalancer ? (GeoScoreLoadBalancer) loadBalancer : null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Routes one new connection.
     *
     * @param clientAddress the client's address
     * @param excluded      ids of backends not to use (they already failed this connection)
     * @return the route, or empty when no backend can take the client
     */
    public Optional<Route> route(InetAddress clientAddress, Set<String> excluded) {
        ClientKey client = ClientKey.of(clientAddress);
        long now = ticker.nanoTime();
        CandidateIndex index = index();

        Optional<Binding> existing = bindings.find(client);
        if (existing.isPresent()) {
            Binding binding = existing.get();
            Backend bound = binding.isExpired(now, bindingTtl) ? null : index.healthy(binding.backendId());
            if (bound != null && isCandidate(bound, excluded) && load.tryAcquire(bound)) {
                bindings.save(binding.touchedAt(now));
                return Optional.of(new Route(client, bound, true, load));
            }
            bindings.remove(client);
        }

        if (geoScore != null) {
            return routeByGeoScore(clientAddress, client, excluded, index, now);
        }
        List<Backend> candidates = candidates(index, excluded);
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        RoutingContext context = new RoutingContext(client, geoResolver.resolve(clientAddress), localRegion, load);
        // A choice can lose a race for the last slot under a hard limit to another event loop:
        // take it out and choose again, at most once per candidate.
        while (!candidates.isEmpty()) {
            Backend chosen = loadBalancer.choose(candidates, context);
            if (chosen == null) {
                return Optional.empty();
            }
            if (load.tryAcquire(chosen)) {
                return Optional.of(bind(client, chosen, now));
            }
            if (!candidates.remove(chosen)) {
                return Optional.empty(); // not one of the candidates: choosing again would spin forever
            }
        }
        return Optional.empty();
    }

    /** The default balancer's path: the same choice, over the index, without a candidate list. */
    private Optional<Route> routeByGeoScore(InetAddress clientAddress, ClientKey client, Set<String> excluded,
                                            CandidateIndex index, long now) {
        GeoInfo geo = geoResolver.resolve(clientAddress).orElse(null);
        // A lost race for a last slot leaves that backend at its hard limit, so the next scan skips
        // it: at most one scan per open backend, as with the list.
        for (int attempt = 0; attempt < index.open.length; attempt++) {
            Backend chosen = geoScore.choose(index, geo, excluded, availability, load);
            if (chosen == null) {
                return Optional.empty();
            }
            if (load.tryAcquire(chosen)) {
                return Optional.of(bind(client, chosen, now));
            }
        }
        return Optional.empty();
    }

    private Route bind(ClientKey client, Backend chosen, long now) {
        bindings.save(new Binding(client, chosen.id(), now, now));
        return new Route(client, chosen, false, load);
    }

    /**
     * @return the index of the repository's current version. The version is read before the
     *         backends, so an index is never labelled newer than what it holds; two loops that
     *         rebuild at once both publish a correct index, and a stale one is rebuilt next time.
     */
    private CandidateIndex index() {
        long version = backends.version();
        CandidateIndex current = index;
        if (current == null || current.version != version) {
            current = new CandidateIndex(version, backends.healthy(), localRegion);
            index = current;
        }
        return current;
    }

    /**
     * Forgets the client's binding if it points to {@code backendId}: called when a connection to
     * that backend failed, so the next attempt makes a new choice.
     */
    public void unbind(ClientKey client, String backendId) {
        bindings.removeIfBoundTo(client, backendId);
    }

    /** Removes expired bindings; the proxy calls it on a schedule. @return how many were removed */
    public int removeExpiredBindings() {
        return bindings.removeExpired(ticker.nanoTime(), bindingTtl);
    }

    /** @return the live count of active connections per backend */
    public BackendLoad load() {
        return load;
    }

    public RegionCode localRegion() {
        return localRegion;
    }

    public Duration bindingTtl() {
        return bindingTtl;
    }

    private boolean isCandidate(Backend b, Set<String> excluded) {
        return b.healthy() && !excluded.contains(b.id()) && availability.isAvailable(b);
    }

    /**
     * The backends a new client may go to, whatever the load balancer: healthy, available, not
     * excluded, of weight above 0 (weight 0 drains: bound clients stay, new ones go elsewhere) and
     * below their hard limit, in repository order. A fresh list per route: the balancer may keep it
     * for the call, and a lost race takes a backend out of it.
     */
    private List<Backend> candidates(CandidateIndex index, Set<String> excluded) {
        Backend[] open = index.open;
        List<Backend> out = new ArrayList<>(open.length);
        for (Backend b : open) {
            if (isCandidate(b, excluded) && load.active(b.id()) < b.hardLimit()) {
                out.add(b);
            }
        }
        return out;
    }

    /** Builds a {@link RoutingService}; {@code backends} and {@code bindings} are required. */
    public static final class Builder {
        private BackendRepository backends;
        private BindingRepository bindings;
        private GeoResolver geoResolver = GeoResolver.unknown();
        private LoadBalancer loadBalancer = new GeoScoreLoadBalancer();
        private BackendAvailability availability = BackendAvailability.always();
        private RegionCode localRegion = RegionCode.SA;
        private Duration bindingTtl = DEFAULT_BINDING_TTL;
        private Ticker ticker = Ticker.system();
        private BackendLoad load = new BackendLoad();

        private Builder() {
        }

        public Builder backends(BackendRepository value) {
            this.backends = Objects.requireNonNull(value, "backends");
            return this;
        }

        public Builder bindings(BindingRepository value) {
            this.bindings = Objects.requireNonNull(value, "bindings");
            return this;
        }

        /** Defaults to {@link GeoResolver#unknown()}. */
        public Builder geoResolver(GeoResolver value) {
            this.geoResolver = Objects.requireNonNull(value, "geoResolver");
            return this;
        }

        /** Defaults to {@link GeoScoreLoadBalancer}. */
        public Builder loadBalancer(LoadBalancer value) {
            this.loadBalancer = Objects.requireNonNull(value, "loadBalancer");
            return this;
        }

        /** Defaults to {@link BackendAvailability#always()}. */
        public Builder availability(BackendAvailability value) {
            this.availability = Objects.requireNonNull(value, "availability");
            return this;
        }

        /** This proxy's region. Defaults to {@code sa}. */
        public Builder localRegion(RegionCode value) {
            this.localRegion = Objects.requireNonNull(value, "localRegion");
            return this;
        }

        /** How long an unused binding lives. Defaults to 600 seconds; must be positive. */
        public Builder bindingTtl(Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("bindingTtl must be positive, but was " + value);
            }
            if (value.compareTo(MAX_BINDING_TTL) > 0) {
                throw new IllegalArgumentException("bindingTtl must be at most " + MAX_BINDING_TTL + ", but was " + value);
            }
            this.bindingTtl = value;
            return this;
        }

        /** Defaults to {@link Ticker#system()}. */
        public Builder ticker(Ticker value) {
            this.ticker = Objects.requireNonNull(value, "ticker");
            return this;
        }

        /** Shares a load counter with other services. Defaults to a new one. */
        public Builder load(BackendLoad value) {
            this.load = Objects.requireNonNull(value, "load");
            return this;
        }

        public RoutingService build() {
            return new RoutingService(this);
        }
    }
}
